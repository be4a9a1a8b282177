#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Invoke-Sync -Path and Get-SyncPlan -Path: a sync of one subtree (issue 14).
BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
    Use-TestStateHome | Out-Null
}

Describe 'Invoke-Sync -Path' {
    BeforeEach {
        $folders = New-TestPairFolders
        Set-TestFile -Root $folders.Source -RelativePath 'docs/a.txt' -Content 'a1' | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'other/c.txt' -Content 'c1' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode SourceToDestination -StatePath $folders.State
        Invoke-Sync -Pair $pair -Confirm:$false | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'docs/a.txt' -Content 'a2 longer' | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'docs/sub/new.txt' -Content 'new' | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'other/c.txt' -Content 'c2 longer' | Out-Null
        Remove-Item -LiteralPath (Join-Path $folders.Source 'other/c.txt')
    }

    It 'syncs only the given subtree; the next full sync does the rest' {
        $results = @(Invoke-Sync -Pair $pair -Path 'docs' -Confirm:$false | Sort-Object RelativePath)

        ($results | ForEach-Object { '{0} {1}' -f $_.Action, $_.RelativePath }) -join ',' |
            Should -Be 'UploadUpdate docs/a.txt,UploadNew docs/sub/new.txt'
        Get-TestFileContent -Root $folders.Destination -RelativePath 'docs/a.txt' | Should -Be 'a2 longer'
        Get-TestFileContent -Root $folders.Destination -RelativePath 'other/c.txt' | Should -Be 'c1'

        $rest = @(Invoke-Sync -Pair $pair -Confirm:$false)
        ($rest | ForEach-Object { '{0} {1}' -f $_.Action, $_.RelativePath }) -join ',' | Should -Be 'DeleteDestination other/c.txt'
    }

    It 'plans only the given paths with Get-SyncPlan -Path, and an inline pair takes -Path too' {
        $plan = @(Get-SyncPlan -Pair $pair -Path 'docs/sub', 'other/c.txt' | Sort-Object RelativePath)
        ($plan | ForEach-Object { '{0} {1}' -f $_.Action, $_.RelativePath }) -join ',' |
            Should -Be 'UploadNew docs/sub/new.txt,DeleteDestination other/c.txt'

        $inline = @(Invoke-Sync -Source $folders.Source -Destination $folders.Destination -Mode SourceToDestination -StatePath $folders.State -Path 'docs/sub' -Confirm:$false)
        ($inline | ForEach-Object { '{0} {1}' -f $_.Action, $_.RelativePath }) -join ',' | Should -Be 'UploadNew docs/sub/new.txt'
    }

    It 'refuses <Path> with SyncInvalidPath naming it, changing nothing' -TestCases @(
        @{ Path = '/etc' }
        @{ Path = '../elsewhere' }
        @{ Path = 'docs/../../elsewhere' }
        @{ Path = '.syncengine/trash' }
    ) {
        param($Path)
        $before = (Get-TestTree -Root $folders.Destination) -join ','

        $err = { Invoke-Sync -Pair $pair -Path 'docs', $Path -Confirm:$false } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncInvalidPath,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike "*'$Path'*"
        $err.TargetObject | Should -Be $Path

        $planErr = { Get-SyncPlan -Pair $pair -Path $Path } | Should -Throw -PassThru
        $planErr.FullyQualifiedErrorId | Should -BeLike 'SyncInvalidPath,*'

        $jobErr = { Invoke-Sync -Pair $pair -Path $Path -AsJob } | Should -Throw -PassThru
        $jobErr.FullyQualifiedErrorId | Should -BeLike 'SyncInvalidPath,*'

        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be $before
        Get-TestFileContent -Root $folders.Destination -RelativePath 'docs/a.txt' | Should -Be 'a1'
    }

    It 'cannot be combined with -Watch or -Reseed' {
        $err = { Invoke-Sync -Pair $pair -Path 'docs' -Watch } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncWatchInvalidCombination,*'
        $err.Exception.Message | Should -BeLike '*-Path*'

        $err = { Invoke-Sync -Pair $pair -Path 'docs' -Reseed -Confirm:$false } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncPathWithReseed,*'
        Get-TestFileContent -Root $folders.Destination -RelativePath 'docs/a.txt' | Should -Be 'a1'
    }

    It 'runs a subtree sync as a job' {
        $job = Invoke-Sync -Pair $pair -Path 'docs/sub' -AsJob
        try {
            $job | Wait-Job -Timeout 60 | Out-Null
            $results = @(Receive-Job $job)
            ($results | ForEach-Object { '{0} {1}' -f $_.Action, $_.RelativePath }) -join ',' | Should -Be 'UploadNew docs/sub/new.txt'
            Get-TestFileContent -Root $folders.Destination -RelativePath 'docs/a.txt' | Should -Be 'a1'
        }
        finally {
            Remove-Job $job -Force
        }
    }
}

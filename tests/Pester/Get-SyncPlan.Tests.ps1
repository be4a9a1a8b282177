#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
    Use-TestStateHome | Out-Null
}

Describe 'Get-SyncPlan' {
    BeforeEach {
        $folders = New-TestPairFolders
    }

    It 'lists a first two-way sync as copies both ways, as typed SyncAction objects' {
        Set-TestFile -Root $folders.Source -RelativePath 'docs/report.txt' -Content 'source only' | Out-Null
        Set-TestFile -Root $folders.Destination -RelativePath 'photos/cat.jpg' -Content 'destination only' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination

        $plan = @(Get-SyncPlan -Pair $pair | Sort-Object RelativePath)

        $plan.Count | Should -Be 2
        $plan | ForEach-Object { $_ | Should -BeOfType ([SyncEngine.SyncAction]) }
        $plan[0].RelativePath | Should -Be 'docs/report.txt'
        $plan[0].Action | Should -Be ([SyncEngine.SyncActionType]::UploadNew)
        $plan[0].TargetSide | Should -Be 'Destination'
        $plan[0].SourceSize | Should -Be 11
        $plan[0].Action | Should -BeOfType ([SyncEngine.SyncActionType])
        $plan[1].RelativePath | Should -Be 'photos/cat.jpg'
        $plan[1].Action | Should -Be 'DownloadNew'
        $plan[1].TargetSide | Should -Be 'Source'
    }

    It 'changes nothing: no copy, no state, no lock' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -StatePath $folders.State

        @(Get-SyncPlan -Pair $pair).Count | Should -Be 1

        $tree = Get-TestTree -Root $folders.Destination
        $tree.Count | Should -Be 0
        Test-Path -LiteralPath (Join-Path $folders.State 'sync_metadata.json') | Should -BeFalse
        Test-Path -LiteralPath (Join-Path $folders.State 'source_tree.json') | Should -BeFalse
        (Get-SyncStatus -Pair $pair).State | Should -Be 'Idle'
    }

    It 'takes pairs from the pipeline and plans each' {
        $second = New-TestPairFolders
        Set-TestFile -Root $folders.Source -RelativePath 'one.txt' | Out-Null
        Set-TestFile -Root $second.Source -RelativePath 'two.txt' | Out-Null
        $pairs = @(
            New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name 'First'
            New-SyncPair -Source $second.Source -Destination $second.Destination -Name 'Second'
        )

        $plan = @($pairs | Get-SyncPlan)

        ($plan | ForEach-Object { '{0}:{1}' -f $_.PairName, $_.RelativePath }) -join ',' | Should -Be 'First:one.txt,Second:two.txt'
    }

    It 'plans inline pairs (the Inline parameter set) with the same parameters as New-SyncPair' {
        # Different contents: with equal contents the planner rightly plans a rename of extra.txt to keep.txt.
        Set-TestFile -Root $folders.Destination -RelativePath 'extra.txt' -Content 'only on the destination' | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'keep.txt' -Content 'only on the source' | Out-Null
        $plan = @(Get-SyncPlan -Source $folders.Source -Destination $folders.Destination -Mode SourceToDestination `
                -InitialSyncPreference SourceWins -MaxDeletePercent 100 | Sort-Object RelativePath)

        ($plan | ForEach-Object { '{0} {1}' -f $_.Action, $_.RelativePath }) -join ',' | Should -Be 'DeleteDestination extra.txt,UploadNew keep.txt'
    }

    It 'never plans a deletion or a download in SourceBackup mode' {
        Set-TestFile -Root $folders.Source -RelativePath 'new.txt' | Out-Null
        Set-TestFile -Root $folders.Destination -RelativePath 'only-on-backup.txt' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode SourceBackup

        $plan = @(Get-SyncPlan -Pair $pair)

        ($plan | ForEach-Object { '{0} {1}' -f $_.Action, $_.RelativePath }) -join ',' | Should -Be 'UploadNew new.txt'
    }

    It 'leaves ignored paths out on both sides' {
        Set-TestFile -Root $folders.Source -RelativePath 'keep.txt' | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'scratch.tmp' | Out-Null
        Set-TestFile -Root $folders.Destination -RelativePath 'other.tmp' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode SourceToDestination -Ignore '*.tmp'

        $plan = @(Get-SyncPlan -Pair $pair)

        ($plan | ForEach-Object RelativePath) -join ',' | Should -Be 'keep.txt'
    }

    It 'writes NoAction items for files in sync only with -IncludeUnchanged' {
        Set-TestFile -Root $folders.Source -RelativePath 'same.txt' | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'later.txt' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination
        Invoke-Sync -Pair $pair -Confirm:$false | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'new.txt' | Out-Null

        @(Get-SyncPlan -Pair $pair).Count | Should -Be 1
        $all = @(Get-SyncPlan -Pair $pair -IncludeUnchanged | Sort-Object RelativePath)
        ($all | ForEach-Object { '{0} {1}' -f $_.Action, $_.RelativePath }) -join ',' |
            Should -Be 'NoAction later.txt,UploadNew new.txt,NoAction same.txt'
    }

    Context 'conflicts with -ConflictResolution Manual' {
        BeforeEach {
            Set-TestFile -Root $folders.Source -RelativePath 'shared.txt' -Content 'v1' | Out-Null
            Set-TestFile -Root $folders.Destination -RelativePath 'shared.txt' -Content 'v1' | Out-Null
            $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -StatePath $folders.State -ConflictResolution Manual
            Invoke-Sync -Pair $pair -Confirm:$false | Out-Null
            $now = [DateTime]::UtcNow
            Set-TestFile -Root $folders.Source -RelativePath 'shared.txt' -Content 'edited at the source' -LastWriteTimeUtc $now.AddMinutes(-5) | Out-Null
            Set-TestFile -Root $folders.Destination -RelativePath 'shared.txt' -Content 'edited at the destination' -LastWriteTimeUtc $now.AddMinutes(-1) | Out-Null
        }

        It 'reports an unresolved conflict without a handler' {
            $plan = @(Get-SyncPlan -Pair $pair)
            $plan.Count | Should -Be 1
            $plan[0].Action | Should -Be 'Conflict'
            $plan[0].RelativePath | Should -Be 'shared.txt'
        }

        It 'lets a scriptblock decide, passing the conflict as $_' {
            $seen = New-Object System.Collections.Generic.List[string]
            $plan = @(Get-SyncPlan -Pair $pair -ConflictHandler { $seen.Add($_.RelativePath); 'Source' })

            ($seen -join ',') | Should -Be 'shared.txt'
            $plan.Count | Should -Be 1
            $plan[0].Action | Should -Be 'UploadUpdate'
            $plan[0].IsConflict | Should -BeTrue
        }

        It 'treats a handler that returns nothing as Skip' {
            $plan = @(Get-SyncPlan -Pair $pair -ConflictHandler { })
            $plan[0].Action | Should -Be 'Conflict'
            $plan[0].IsConflict | Should -BeTrue
        }
    }

    It 'supports Where-Object on typed properties' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'b.txt' -Content ('x' * 2048) | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination

        $big = @(Get-SyncPlan -Pair $pair | Where-Object SourceSize -gt 1KB)
        ($big | ForEach-Object RelativePath) -join ',' | Should -Be 'b.txt'
        @(Get-SyncPlan -Pair $pair | Where-Object Action -eq UploadNew).Count | Should -Be 2
    }

    It 'formats the plan as a table and a list' {
        Set-TestFile -Root $folders.Source -RelativePath 'docs/a.txt' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name 'FormatPair'
        $plan = Get-SyncPlan -Pair $pair
        ($plan | Format-Table | Out-String) | Should -BeLike '*UploadNew*docs/a.txt*'
        ($plan | Format-List | Out-String) | Should -BeLike '*RelativePath*docs/a.txt*'
        $plan.SourceFullPath | Should -Be (Join-Path (Join-Path $folders.Source 'docs') 'a.txt')
    }

    It 'fails with SyncRootNotFound when the source is gone' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination
        Remove-Item -LiteralPath $folders.Source -Recurse -Force
        $errors = $null
        $output = Get-SyncPlan -Pair $pair -ErrorVariable errors -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $errors.Count | Should -BeGreaterThan 0
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'SyncRootNotFound,*'
    }
}

#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
    Use-TestStateHome | Out-Null
}

Describe 'Invoke-Sync' {
    BeforeEach {
        $folders = New-TestPairFolders
    }

    It 'syncs a two-way pair and writes one SyncResult per action' {
        Set-TestFile -Root $folders.Source -RelativePath 'docs/report.txt' -Content 'from source' | Out-Null
        Set-TestFile -Root $folders.Destination -RelativePath 'photos/cat.jpg' -Content 'from destination' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination

        $results = @(Invoke-Sync -Pair $pair -Confirm:$false | Sort-Object RelativePath)

        $results.Count | Should -Be 2
        $results | ForEach-Object { $_ | Should -BeOfType ([SyncEngine.SyncResult]) }
        ($results | ForEach-Object { '{0} {1} {2}' -f $_.Status, $_.Action, $_.RelativePath }) -join ',' |
            Should -Be 'Succeeded UploadNew docs/report.txt,Succeeded DownloadNew photos/cat.jpg'
        $results[0].Bytes | Should -Be 11
        Get-TestFileContent -Root $folders.Destination -RelativePath 'docs/report.txt' | Should -Be 'from source'
        Get-TestFileContent -Root $folders.Source -RelativePath 'photos/cat.jpg' | Should -Be 'from destination'
    }

    It 'keeps modification times, so a second run has nothing to do' {
        $time = [DateTime]::new(2024, 5, 17, 8, 30, 0, [DateTimeKind]::Utc)
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' -LastWriteTimeUtc $time | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination

        Invoke-Sync -Pair $pair -Confirm:$false | Out-Null

        (Get-Item -LiteralPath (Join-Path $folders.Destination 'a.txt')).LastWriteTimeUtc | Should -Be $time
        @(Invoke-Sync -Pair $pair -Confirm:$false).Count | Should -Be 0
    }

    It 'changes nothing and writes nothing with -WhatIf' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null
        Set-TestFile -Root $folders.Destination -RelativePath 'b.txt' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -StatePath $folders.State

        $output = Invoke-Sync -Pair $pair -WhatIf

        $output | Should -BeNullOrEmpty
        (Get-TestTree -Root $folders.Source) -join ',' | Should -Be 'a.txt'
        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'b.txt'
        Test-Path -LiteralPath (Join-Path $folders.State 'sync_metadata.json') | Should -BeFalse
        @(Get-SyncPlan -Pair $pair).Count | Should -Be 2
    }

    It 'writes one SyncSummary with -Summary' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' -Content 'abc' | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'b.txt' -Content 'defg' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name 'SummaryPair'

        $summary = @(Invoke-Sync -Pair $pair -Summary -Confirm:$false)

        $summary.Count | Should -Be 1
        $summary[0] | Should -BeOfType ([SyncEngine.SyncSummary])
        $summary[0].PairName | Should -Be 'SummaryPair'
        $summary[0].Outcome | Should -Be 'Succeeded'
        $summary[0].Succeeded | Should -Be 2
        $summary[0].Failed | Should -Be 0
        $summary[0].BytesTransferred | Should -Be 7
        $summary[0].Total | Should -Be 2
        ($summary[0] | Format-Table | Out-String) | Should -BeLike '*SummaryPair*Succeeded*'
    }

    It 'syncs an inline pair given by relative paths from the current location' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null
        Push-Location -LiteralPath (Split-Path -Parent $folders.Source)
        try {
            $results = @(Invoke-Sync -Source source -Destination destination -Mode SourceBackup -Confirm:$false)
        }
        finally {
            Pop-Location
        }

        $results.Count | Should -Be 1
        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'a.txt'
    }

    It 'moves what a mirror deletes into the destination trash under the run id' {
        Set-TestFile -Root $folders.Source -RelativePath 'keep.txt' | Out-Null
        Set-TestFile -Root $folders.Destination -RelativePath 'keep.txt' | Out-Null
        Set-TestFile -Root $folders.Destination -RelativePath 'gone.txt' -Content 'precious' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode SourceToDestination

        $summary = Invoke-Sync -Pair $pair -Summary -Confirm:$false

        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'keep.txt'
        $trashed = Join-Path $folders.Destination (Join-Path '.syncengine' (Join-Path 'trash' (Join-Path $summary.RunId 'gone.txt')))
        Test-Path -LiteralPath $trashed | Should -BeTrue
        [System.IO.File]::ReadAllText($trashed) | Should -Be 'precious'
    }

    Context 'safety guards' {
        BeforeEach {
            foreach ($i in 1..4) { Set-TestFile -Root $folders.Source -RelativePath "f$i.txt" -Content "file $i" | Out-Null }
            $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode SourceToDestination -StatePath $folders.State
            Invoke-Sync -Pair $pair -Confirm:$false | Out-Null
        }

        It 'stops a mass deletion with SyncMassDeleteGuard before changing anything' {
            foreach ($i in 1..3) { Remove-Item -LiteralPath (Join-Path $folders.Source "f$i.txt") }

            $err = { Invoke-Sync -Pair $pair -Confirm:$false } | Should -Throw -PassThru

            $err.FullyQualifiedErrorId | Should -BeLike 'SyncMassDeleteGuard,*'
            $err.CategoryInfo.Category | Should -Be 'LimitsExceeded'
            (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'f1.txt,f2.txt,f3.txt,f4.txt'
        }

        It 'goes ahead with -Force, keeping the deleted files in the trash' {
            foreach ($i in 1..3) { Remove-Item -LiteralPath (Join-Path $folders.Source "f$i.txt") }

            $summary = Invoke-Sync -Pair $pair -Force -Summary -Confirm:$false -WarningAction SilentlyContinue

            $summary.Succeeded | Should -Be 3
            (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'f4.txt'
            @(Get-ChildItem -LiteralPath (Join-Path $folders.Destination '.syncengine/trash') -Recurse -File).Count | Should -Be 3
        }

        It 'refuses to mirror an emptied source with SyncRootEmptied' {
            Get-ChildItem -LiteralPath $folders.Source -File | Remove-Item

            $err = { Invoke-Sync -Pair $pair -Confirm:$false } | Should -Throw -PassThru

            $err.FullyQualifiedErrorId | Should -BeLike 'SyncRootEmptied,*'
            (Get-TestTree -Root $folders.Destination).Count | Should -Be 4
        }

        It 'copies everything back into a missing two-way destination with -Reseed, deleting nothing' {
            $twoWay = New-SyncPair -Source $folders.Source -Destination $folders.Destination -StatePath (Join-Path $folders.State 'two-way')
            Invoke-Sync -Pair $twoWay -Confirm:$false | Out-Null
            Remove-Item -LiteralPath $folders.Destination -Recurse -Force

            $err = { Invoke-Sync -Pair $twoWay -Confirm:$false } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'SyncRootEmptied,*'
            $err.Exception.Message | Should -BeLike '*with reseed*everything is copied back*'
            @(Get-SyncPlan -Pair $twoWay -Reseed | Where-Object Action -like 'Delete*').Count | Should -Be 0

            $summary = Invoke-Sync -Pair $twoWay -Reseed -Summary -Confirm:$false

            $summary.Succeeded | Should -Be 4
            (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'f1.txt,f2.txt,f3.txt,f4.txt'
            (Get-TestTree -Root $folders.Source) -join ',' | Should -Be 'f1.txt,f2.txt,f3.txt,f4.txt'
        }
    }

    It 'skips a piped action whose file changed after planning, as Stale, with a warning' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' -Content 'planned' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination
        $plan = Get-SyncPlan -Pair $pair
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' -Content 'changed after planning' -LastWriteTimeUtc ([DateTime]::UtcNow.AddMinutes(1)) | Out-Null

        $warnings = $null
        $results = @($plan | Invoke-Sync -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)

        $results.Count | Should -Be 1
        $results[0].Status | Should -Be 'Stale'
        $warnings.Count | Should -BeGreaterThan 0
        Test-Path -LiteralPath (Join-Path $folders.Destination 'a.txt') | Should -BeFalse
    }

    It 'fails to start with SyncRootNotFound when the source is missing' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination
        Remove-Item -LiteralPath $folders.Source -Recurse -Force

        $err = { Invoke-Sync -Pair $pair -Confirm:$false } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeLike 'SyncRootNotFound,*'
    }

    Context '-AsJob' {
        It 'returns a SyncJob whose results Receive-Job returns' {
            Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null
            Set-TestFile -Root $folders.Source -RelativePath 'b.txt' | Out-Null
            $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination

            $job = Invoke-Sync -Pair $pair -AsJob
            try {
                $job | Should -BeOfType ([SyncEngine.PowerShell.Jobs.SyncJob])
                $job | Should -BeOfType ([System.Management.Automation.Job])
                $results = @(Receive-Job -Job $job -Wait)
                $job.JobStateInfo.State | Should -Be 'Completed'
                ($results | ForEach-Object RelativePath | Sort-Object) -join ',' | Should -Be 'a.txt,b.txt'
                ($results | ForEach-Object Status | Select-Object -Unique) -join ',' | Should -Be 'Succeeded'
                (Get-Job -Id $job.Id).Id | Should -Be $job.Id
            }
            finally {
                Remove-Job -Job $job -Force
            }
        }

        It 'refuses -AsJob with -WhatIf (a job cannot prompt)' {
            $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination
            $err = { Invoke-Sync -Pair $pair -AsJob -WhatIf } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'SyncAsJobCannotPrompt,*'
        }

        It 'refuses -AsJob with -ConflictHandler' {
            $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination
            $err = { Invoke-Sync -Pair $pair -AsJob -ConflictHandler { 'Source' } } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'SyncAsJobConflictHandler,*'
        }
    }

    It 'declares SupportsShouldProcess with a Medium confirm impact' {
        $command = Get-Command Invoke-Sync
        $command.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        $command.Parameters.ContainsKey('Confirm') | Should -BeTrue
        $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact |
            Should -Be 'Medium'
    }
}

#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Invoke-Sync -Watch (issue 14): a watch in a background job syncs new files as they come, Stop-Job ends it
# cleanly (the lock is released), and its parameters are checked before anything starts.

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
    Use-TestStateHome | Out-Null
}

Describe 'Invoke-Sync -Watch' {
    BeforeEach {
        $folders = New-TestPairFolders
    }

    It 'syncs a new file from a background job, streams its result, and ends on Stop-Job' {
        Set-TestFile -Root $folders.Source -RelativePath 'first.txt' -Content 'first' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode SourceToDestination

        $job = Invoke-Sync -Pair $pair -Watch -Debounce '200ms' -MaxDelay '1s' -AsJob
        try {
            $job | Should -BeOfType ([SyncEngine.PowerShell.Jobs.SyncJob])
            Wait-TestCondition { Test-Path (Join-Path $folders.Destination 'first.txt') } | Should -BeTrue

            Set-TestFile -Root $folders.Source -RelativePath 'sub/later.txt' -Content 'written while watching' | Out-Null
            Wait-TestCondition { (Test-Path (Join-Path $folders.Destination 'sub/later.txt')) -and (Get-TestFileContent -Root $folders.Destination -RelativePath 'sub/later.txt') -eq 'written while watching' } | Should -BeTrue
            $job.JobStateInfo.State | Should -Be 'Running'

            $results = @()
            Wait-TestCondition {
                $script:results += @(Receive-Job -Job $job)
                @($script:results | Where-Object RelativePath -eq 'sub/later.txt').Count -ge 1
            } | Should -BeTrue
            $later = @($script:results | Where-Object RelativePath -eq 'sub/later.txt')[0]
            $later | Should -BeOfType ([SyncEngine.SyncResult])
            $later.Action | Should -Be 'UploadNew'
            $later.Status | Should -Be 'Succeeded'

            Stop-Job -Job $job
            Wait-TestCondition { $job.JobStateInfo.State -eq 'Stopped' } | Should -BeTrue

            # The lock was released: a plain sync runs at once and has nothing left to do.
            @(Invoke-Sync -Pair $pair -Confirm:$false).Count | Should -Be 0
        }
        finally {
            Remove-Job -Job $job -Force
        }
    }

    It 'is ended by Stop-Sync from the same session' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination
        $job = Invoke-Sync -Pair $pair -Watch -Debounce '200ms' -AsJob
        try {
            Wait-TestCondition { (Get-SyncStatus -Pair $pair).State -ne 'Idle' } | Should -BeTrue
            Start-Sleep -Milliseconds 500
            $job.JobStateInfo.State | Should -Be 'Running'
            Stop-Sync -Pair $pair -Confirm:$false -ErrorAction Stop
            Wait-TestCondition { $job.JobStateInfo.State -in 'Stopped', 'Completed' } | Should -BeTrue
            (Get-SyncStatus -Pair $pair).State | Should -Be 'Idle'
        }
        finally {
            Remove-Job -Job $job -Force
        }
    }

    It 'reports a batch the delete guard refused as an error record, keeps watching, and applies it once on Resume-Sync -Force' {
        # True once the job's errors include the delete guard's refusal of a batch.
        function Wait-GuardRefusal($Job) {
            $script:errors = @()
            Wait-TestCondition {
                Receive-Job -Job $Job -ErrorVariable +script:errors -ErrorAction SilentlyContinue | Out-Null
                @($script:errors | Where-Object { $_.FullyQualifiedErrorId -like 'SyncMassDeleteGuard*' }).Count -ge 1
            }
        }

        foreach ($i in 0..9) { Set-TestFile -Root $folders.Source -RelativePath ('f{0:00}.txt' -f $i) -Content "file $i" | Out-Null }
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode SourceToDestination
        $job = Invoke-Sync -Pair $pair -Watch -Debounce '200ms' -MaxDelay '1s' -AsJob
        try {
            Wait-TestCondition { @(Get-ChildItem -LiteralPath $folders.Destination -Filter 'f*.txt').Count -eq 10 } | Should -BeTrue
            foreach ($i in 0..5) { Remove-Item -LiteralPath (Join-Path $folders.Source ('f{0:00}.txt' -f $i)) }

            Wait-GuardRefusal -Job $job | Should -BeTrue
            @(Get-ChildItem -LiteralPath $folders.Destination -Filter 'f*.txt').Count | Should -Be 10
            $job.JobStateInfo.State | Should -Be 'Running'

            Resume-Sync -Job $job -Force -Confirm:$false -ErrorAction Stop
            Wait-TestCondition { @(Get-ChildItem -LiteralPath $folders.Destination -Filter 'f*.txt').Count -eq 4 } | Should -BeTrue
            # The six deleted files went to the destination's trash, not away.
            @(Get-ChildItem -LiteralPath (Join-Path $folders.Destination '.syncengine/trash') -Recurse -File -Filter 'f*.txt').Count | Should -Be 6
            $job.JobStateInfo.State | Should -Be 'Running'

            # Once: three of the four left is more than half again, and the guard holds.
            foreach ($i in 6..8) { Remove-Item -LiteralPath (Join-Path $folders.Source ('f{0:00}.txt' -f $i)) }
            Wait-GuardRefusal -Job $job | Should -BeTrue
            @(Get-ChildItem -LiteralPath $folders.Destination -Filter 'f*.txt').Count | Should -Be 4
        }
        finally {
            Stop-Job -Job $job
            Remove-Job -Job $job -Force
        }
    }

    It 'says Resume-Sync -Force on a pair no run holds is not running, and changes nothing' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination
        { Resume-Sync -Pair $pair -Force -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'SyncNotRunning,SyncEngine.PowerShell.Commands.ResumeSyncCommand'
        Get-ChildItem -LiteralPath $folders.Destination -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'takes durations as 200ms/2s text, seconds or TimeSpan, and refuses a bad one naming the parameter' -ForEach @(
        @{ Arguments = @{ Debounce = [TimeSpan]::FromSeconds(-5) } ; Id = 'SyncInvalidDuration' }
        @{ Arguments = @{ Debounce = '5s'; MaxDelay = '1s' } ; Id = 'SyncInvalidDuration' }
        @{ Arguments = @{ RescanInterval = [TimeSpan]::FromMilliseconds(10) } ; Id = 'SyncInvalidDuration' }
    ) {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination
        $err = { Invoke-Sync -Pair $pair -Watch @Arguments -AsJob } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        Get-ChildItem -LiteralPath $folders.Destination -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses a duration that is not one, and a bare 1d (a decimal to PowerShell)' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination
        { Invoke-Sync -Pair $pair -Watch -Debounce 'soon' -AsJob } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,SyncEngine.PowerShell.Commands.InvokeSyncCommand'
        { Invoke-Sync -Pair $pair -Watch -Debounce '-5s' -AsJob } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,SyncEngine.PowerShell.Commands.InvokeSyncCommand'
        { Invoke-Sync -Pair $pair -Watch -RescanInterval 1d -AsJob } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,SyncEngine.PowerShell.Commands.InvokeSyncCommand'
    }

    It 'reads a bare 2s (a short to PowerShell) and whole numbers as seconds' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination
        foreach ($value in @(2s, 2, '2s', '00:00:02', [TimeSpan]::FromSeconds(2))) {
            $job = Invoke-Sync -Pair $pair -Watch -Debounce $value -MaxDelay 2 -AsJob
            try {
                $job.JobStateInfo.State | Should -Not -Be 'Failed'
            }
            finally {
                Stop-Job -Job $job
                Remove-Job -Job $job -Force
            }
        }
    }

    It 'refuses -Debounce without -Watch, and -Watch with -WhatIf' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination
        $err = { Invoke-Sync -Pair $pair -Debounce 2s } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncWatchInvalidCombination,*'
        $err = { Invoke-Sync -Pair $pair -Watch -WhatIf } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncWatchInvalidCombination,*'
    }

    It 'declares -Watch, -Debounce, -MaxDelay and -RescanInterval' {
        $command = Get-Command Invoke-Sync
        foreach ($name in 'Watch', 'Debounce', 'MaxDelay', 'RescanInterval') {
            $command.Parameters.ContainsKey($name) | Should -BeTrue
        }
        $command.Parameters['Debounce'].ParameterType | Should -Be ([Nullable[TimeSpan]])
    }
}

#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Suspend-Sync, Resume-Sync and Stop-Sync against real runs: an Invoke-Sync -AsJob run in this session (reached
# directly) and the same run reached from a child PowerShell process through the pair's control file, as a console
# reaches a scheduled task's run. Each test starts a run over a few thousand files with one transfer at a time and
# pauses it as soon as the first file has arrived, so the run is still going when the test acts on it.

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
    Use-TestStateHome | Out-Null

    $script:WorkloadCount = 3000
    $script:WorkloadSource = New-TestFolder -Name 'workload'
    New-TestWorkload -Root $script:WorkloadSource -Count $script:WorkloadCount -Size 16384

    # Starts a run of a fresh pair over the workload as a job and pauses it once the first file has been copied.
    function Start-PausedRun {
        param([string] $Name = ('Run-' + [guid]::NewGuid().ToString('N').Substring(0, 6)))
        $base = New-TestFolder -Name 'run'
        $destination = Join-Path $base 'destination'
        $state = Join-Path $base 'state'
        $pair = New-SyncPair -Source $script:WorkloadSource -Destination $destination -StatePath $state -TransferLimit 1 -Name $Name
        $job = Invoke-Sync -Pair $pair -AsJob
        $started = Wait-TestCondition -IntervalMilliseconds 5 -TimeoutSeconds 120 -Condition {
            ((Test-Path -LiteralPath $destination) -and $null -ne (Get-ChildItem -LiteralPath $destination -Recurse -File -Filter *.bin | Select-Object -First 1)) -or
            $job.JobStateInfo.State -notin 'NotStarted', 'Running'
        }
        if ($started) { Suspend-Sync -Job $job }
        if ($job.JobStateInfo.State -ne 'Suspended') {
            throw "The run could not be paused while it was going (job state $($job.JobStateInfo.State)); raise WorkloadCount."
        }
        $paused = Wait-TestCondition -TimeoutSeconds 60 -Condition { (Get-SyncStatus -Pair $pair).State -eq 'Paused' }
        if (-not $paused) { throw 'The paused run never reported Paused in its state folder.' }
        [pscustomobject]@{ Pair = $pair; Job = $job; Destination = $destination; State = $state; Name = $Name }
    }

    function Get-CopiedCount {
        param([string] $Destination)
        @(Get-ChildItem -LiteralPath $Destination -Recurse -File -Filter *.bin).Count
    }

    function Wait-RunFinished {
        param($Run, [int] $TimeoutSeconds = 300)
        Wait-TestCondition -TimeoutSeconds $TimeoutSeconds -Condition { $Run.Job.JobStateInfo.State -in 'Completed', 'Stopped', 'Failed' }
    }
}

Describe 'Suspend-Sync, Resume-Sync and Stop-Sync' {
    AfterEach {
        if ($null -ne (Get-Variable -Name run -ValueOnly -ErrorAction SilentlyContinue)) {
            if ($run.Job.JobStateInfo.State -notin 'Completed', 'Stopped', 'Failed') { Stop-Job -Job $run.Job -ErrorAction SilentlyContinue }
            Remove-Job -Job $run.Job -Force -ErrorAction SilentlyContinue
            Remove-Variable -Name run -ErrorAction SilentlyContinue
        }
    }

    It 'pauses a job: no new transfers start until Resume-Sync, then the run completes' {
        $run = Start-PausedRun

        (Get-SyncStatus -Pair $run.Pair).ProcessId | Should -Be $PID
        (Get-SyncStatus -Pair $run.Pair).IsRunning | Should -BeTrue
        Start-Sleep -Milliseconds 300
        $atPause = Get-CopiedCount -Destination $run.Destination
        Start-Sleep -Milliseconds 700
        Get-CopiedCount -Destination $run.Destination | Should -Be $atPause -Because 'a paused run starts no new transfers'
        $atPause | Should -BeLessThan $script:WorkloadCount

        Resume-Sync -Job $run.Job
        Wait-RunFinished -Run $run | Should -BeTrue
        $run.Job.JobStateInfo.State | Should -Be 'Completed'
        Get-CopiedCount -Destination $run.Destination | Should -Be $script:WorkloadCount
        @(Receive-Job -Job $run.Job | Where-Object Status -eq Succeeded).Count | Should -Be $script:WorkloadCount
        (Get-SyncStatus -Pair $run.Pair).State | Should -Be 'Idle'
    }

    It 'keeps the lock while paused, so a second run of the pair is refused with SyncPairLocked' {
        $run = Start-PausedRun

        $err = { Invoke-Sync -Pair $run.Pair -Confirm:$false } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeLike 'SyncPairLocked,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceBusy'
    }

    It 'reaches the run by -Name and by -Pair' {
        $run = Start-PausedRun

        Resume-Sync -Name $run.Name
        Suspend-Sync -Pair $run.Pair
        Wait-TestCondition -TimeoutSeconds 30 -Condition { (Get-SyncStatus -Pair $run.Pair).State -eq 'Paused' } | Should -BeTrue
        $status = Resume-Sync -Pair $run.Pair -PassThru
        $status | Should -BeOfType ([SyncEngine.Control.SyncStatusInfo])
        $status.StatePath | Should -Be $run.State
        Wait-TestCondition -TimeoutSeconds 30 -Condition { (Get-SyncStatus -Pair $run.Pair).State -ne 'Paused' } | Should -BeTrue
        Wait-RunFinished -Run $run | Should -BeTrue
        Get-CopiedCount -Destination $run.Destination | Should -Be $script:WorkloadCount
    }

    It 'changes nothing with -WhatIf' {
        $run = Start-PausedRun

        Resume-Sync -Job $run.Job -WhatIf
        Stop-Sync -Pair $run.Pair -WhatIf

        $run.Job.JobStateInfo.State | Should -Be 'Suspended'
        (Get-SyncStatus -Pair $run.Pair).State | Should -Be 'Paused'
    }

    It 'stops a job with Stop-Sync -Job; what finished is saved and the next run does the rest' {
        $run = Start-PausedRun

        $returned = Stop-Sync -Job $run.Job -PassThru -Confirm:$false

        $returned.Id | Should -Be $run.Job.Id
        Wait-RunFinished -Run $run | Should -BeTrue
        $status = Get-SyncStatus -Pair $run.Pair
        $status.State | Should -Be 'Idle'
        $status.LastOutcome | Should -Be 'Cancelled'
        $copied = Get-CopiedCount -Destination $run.Destination
        $copied | Should -BeLessThan $script:WorkloadCount
        $status.TrackedFiles | Should -Be $copied
        $rest = Invoke-Sync -Pair $run.Pair -Summary -Confirm:$false
        $rest.Succeeded | Should -Be ($script:WorkloadCount - $copied)
        Get-CopiedCount -Destination $run.Destination | Should -Be $script:WorkloadCount
    }

    Context 'from another process, through the control file' {
        It 'Suspend-Sync -StatePath finds the run held by this process' {
            $run = Start-PausedRun
            $childScript = "(Suspend-Sync -StatePath $(ConvertTo-QuotedArgument $run.State) -PassThru -Confirm:`$false).State"

            $child = Invoke-ChildPowerShell -Script $childScript

            $child.ExitCode | Should -Be 0 -Because $child.Error
            $child.Output | Should -Contain 'Paused'
        }

        It 'Resume-Sync -StatePath resumes a paused run, which then completes' {
            $run = Start-PausedRun
            $childScript = "Resume-Sync -StatePath $(ConvertTo-QuotedArgument $run.State) -Confirm:`$false; 'sent'"

            $child = Invoke-ChildPowerShell -Script $childScript

            $child.ExitCode | Should -Be 0 -Because $child.Error
            $child.Output | Should -Contain 'sent'
            Wait-RunFinished -Run $run | Should -BeTrue
            Get-CopiedCount -Destination $run.Destination | Should -Be $script:WorkloadCount
        }

        It 'Stop-Sync -StatePath stops the run and the stopped run reports Cancelled' {
            $run = Start-PausedRun
            $childScript = "Stop-Sync -StatePath $(ConvertTo-QuotedArgument $run.State) -Confirm:`$false; 'sent'"

            $child = Invoke-ChildPowerShell -Script $childScript

            $child.ExitCode | Should -Be 0 -Because $child.Error
            Wait-RunFinished -Run $run | Should -BeTrue
            (Get-SyncStatus -Pair $run.Pair).LastOutcome | Should -Be 'Cancelled'
            Get-CopiedCount -Destination $run.Destination | Should -BeLessThan $script:WorkloadCount
        }
    }

    Context 'when no run holds the pair' {
        It 'reports SyncNotRunning as a non-terminating error for <Command>' -TestCases @(
            @{ Command = 'Suspend-Sync' }
            @{ Command = 'Resume-Sync' }
            @{ Command = 'Stop-Sync' }
        ) {
            param($Command)
            $folders = New-TestPairFolders
            $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -StatePath $folders.State
            Invoke-Sync -Pair $pair -Confirm:$false | Out-Null

            $errors = $null
            & $Command -Pair $pair -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue

            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'SyncNotRunning,*'
        }

        It 'reports an unknown name with SyncPairNameNotFound' {
            $errors = $null
            Stop-Sync -Name 'NoSuchPair-7f3a' -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'SyncPairNameNotFound,*'
        }
    }

    It '<Command> supports -WhatIf and -Confirm and never prompts by default' -TestCases @(
        @{ Command = 'Suspend-Sync' }
        @{ Command = 'Resume-Sync' }
        @{ Command = 'Stop-Sync' }
    ) {
        param($Command)
        $info = Get-Command $Command
        $info.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        $info.Parameters.ContainsKey('Confirm') | Should -BeTrue
        $impact = $info.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact
        $impact | Should -Not -Be 'High'
    }
}

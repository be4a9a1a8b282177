#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Unattended runs as a scheduled task makes them: a child `pwsh -NoProfile -NonInteractive` process. Nothing may
# prompt (a prompt would be an error in -NonInteractive, and a hang without it), and the exit code must tell the
# scheduler whether the run worked.

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Use-TestStateHome | Out-Null
}

Describe 'Invoke-Sync in a non-interactive child process' {
    BeforeEach {
        $folders = New-TestPairFolders
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'sub/b.txt' | Out-Null
        $source = ConvertTo-QuotedArgument $folders.Source
        $destination = ConvertTo-QuotedArgument $folders.Destination
    }

    It 'runs with -Confirm:$false, prompts for nothing and exits with 0' {
        $child = Invoke-ChildPowerShell -Script "(Invoke-Sync -Source $source -Destination $destination -Summary -Confirm:`$false).Outcome"

        $child.ExitCode | Should -Be 0 -Because $child.Error
        $child.Output | Should -Contain 'Succeeded'
        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'a.txt,sub/b.txt'
    }

    It 'does not prompt under the default $ConfirmPreference even without -Confirm:$false' {
        $child = Invoke-ChildPowerShell -Script "Invoke-Sync -Source $source -Destination $destination | Out-Null; 'done'"

        $child.ExitCode | Should -Be 0 -Because $child.Error
        $child.Output | Should -Contain 'done'
        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'a.txt,sub/b.txt'
    }

    It 'fails instead of hanging when a prompt is forced, and changes nothing' {
        $child = Invoke-ChildPowerShell -Script "Invoke-Sync -Source $source -Destination $destination -Confirm"

        $child.ExitCode | Should -Not -Be 0
        (Get-TestTree -Root $folders.Destination).Count | Should -Be 0
    }

    It 'needs -Confirm:$false when the session lowers $ConfirmPreference' {
        $prompted = Invoke-ChildPowerShell -Script "`$ConfirmPreference = 'Medium'; Invoke-Sync -Source $source -Destination $destination"

        $prompted.ExitCode | Should -Not -Be 0 -Because 'a Medium-impact change prompts when $ConfirmPreference is Medium, and -NonInteractive turns the prompt into an error'
        (Get-TestTree -Root $folders.Destination).Count | Should -Be 0

        $confirmed = Invoke-ChildPowerShell -Script "`$ConfirmPreference = 'Medium'; Invoke-Sync -Source $source -Destination $destination -Confirm:`$false | Out-Null; 'done'"

        $confirmed.ExitCode | Should -Be 0 -Because $confirmed.Error
        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'a.txt,sub/b.txt'
    }

    It 'exits with 1 when the run cannot start' {
        $missing = ConvertTo-QuotedArgument (Join-Path $folders.Source 'missing')

        $child = Invoke-ChildPowerShell -Script "Invoke-Sync -Source $missing -Destination $destination -Confirm:`$false"

        $child.ExitCode | Should -Be 1
        ($child.Error + ($child.Output -join "`n")) | Should -BeLike '*does not exist*'
    }

    It 'exits with 1 from a scheduled-task script when a guard stops the run' {
        $pair = "New-SyncPair -Source $source -Destination $destination -Mode SourceToDestination"
        (Invoke-ChildPowerShell -Script "$pair | Invoke-Sync -Confirm:`$false | Out-Null").ExitCode | Should -Be 0
        Get-ChildItem -LiteralPath $folders.Source -Recurse -File | Remove-Item
        $scriptPath = Join-Path $TestDrive 'Backup-Task.ps1'
        Set-Content -LiteralPath $scriptPath -Value @"
Import-Module '$((Get-SyncEngineTestManifest) -replace "'", "''")'
`$summary = $pair | Invoke-Sync -Summary -Confirm:`$false
if (`$null -eq `$summary -or `$summary.Outcome -ne 'Succeeded') { exit 1 }
exit 0
"@

        $child = Invoke-ChildPowerShell -NoImport -Script "& '$($scriptPath -replace "'", "''")'; exit `$LASTEXITCODE"

        $child.ExitCode | Should -Be 1
        ($child.Error + ($child.Output -join "`n")) | Should -BeLike '*empty or missing*'
        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'a.txt,sub/b.txt'
    }

    It 'lists one What if line per planned change, and changes nothing' {
        Set-TestFile -Root $folders.Destination -RelativePath 'only-here.txt' | Out-Null

        $child = Invoke-ChildPowerShell -Script "Invoke-Sync -Source $source -Destination $destination -WhatIf"

        $child.ExitCode | Should -Be 0 -Because $child.Error
        $whatIf = @($child.Output | Where-Object { $_ -like 'What if:*' })
        $whatIf.Count | Should -Be 3
        ($whatIf -join "`n") | Should -BeLike '*a.txt*'
        ($whatIf -join "`n") | Should -BeLike '*only-here.txt*'
        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'only-here.txt'
    }
}

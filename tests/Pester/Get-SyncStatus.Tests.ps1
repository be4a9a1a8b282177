#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
}

Describe 'Get-SyncStatus' {
    BeforeEach {
        # A state root per test, so "every known pair" is exactly what the test made.
        $stateHome = Use-TestStateHome
        $folders = New-TestPairFolders
    }

    It 'reports a pair that never ran as Idle with no last run' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination

        $status = Get-SyncStatus -Pair $pair

        $status | Should -BeOfType ([SyncEngine.Control.SyncStatusInfo])
        $status.State | Should -Be ([SyncEngine.Control.SyncRunState]::Idle)
        $status.ProcessId | Should -BeNullOrEmpty
        $status.LastRunUtc | Should -BeNullOrEmpty
        $status.TrackedFiles | Should -Be 0
        $status.IsRunning | Should -BeFalse
        $status.StatePath | Should -Be $pair.ResolvedStatePath
    }

    It 'reports how the last sync ended' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'b/c.txt' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name 'Reported'
        $before = [DateTime]::UtcNow.AddSeconds(-1)
        Invoke-Sync -Pair $pair -Confirm:$false | Out-Null

        $status = Get-SyncStatus -Pair $pair

        $status.PairName | Should -Be 'Reported'
        $status.State | Should -Be 'Idle'
        $status.LastOutcome | Should -Be 'Succeeded'
        $status.LastSucceeded | Should -Be 2
        $status.LastFailed | Should -Be 0
        $status.TrackedFiles | Should -Be 2
        $status.LastRunUtc | Should -BeGreaterThan $before
    }

    It 'takes pairs from the pipeline' {
        $second = New-TestPairFolders
        $pairs = @(
            New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name 'P1'
            New-SyncPair -Source $second.Source -Destination $second.Destination -Name 'P2'
        )

        (@($pairs | Get-SyncStatus) | ForEach-Object PairName) -join ',' | Should -Be 'P1,P2'
    }

    It 'finds named pairs, with wildcards' {
        $second = New-TestPairFolders
        New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name 'Nightly-Docs' | Out-Null
        New-SyncPair -Source $second.Source -Destination $second.Destination -Name 'Nightly-Photos' | Out-Null

        (@(Get-SyncStatus -Name 'Nightly-*') | ForEach-Object PairName | Sort-Object) -join ',' | Should -Be 'Nightly-Docs,Nightly-Photos'
        (Get-SyncStatus -Name 'nightly-docs').PairName | Should -Be 'Nightly-Docs'
    }

    It 'reports an unknown name with SyncPairNameNotFound and goes on' {
        New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name 'Known' | Out-Null

        $errors = $null
        $found = @(Get-SyncStatus -Name 'Unknown-1b2c', 'Known' -ErrorVariable errors -ErrorAction SilentlyContinue)

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'SyncPairNameNotFound,*'
        ($found | ForEach-Object PairName) -join ',' | Should -Be 'Known'
    }

    It 'reads a state folder given by path, also piped as a folder object' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -StatePath $folders.State -Name 'ByPath'
        Invoke-Sync -Pair $pair -Confirm:$false | Out-Null

        (Get-SyncStatus -StatePath $folders.State).PairName | Should -Be 'ByPath'
        (Get-Item -LiteralPath $folders.State | Get-SyncStatus).TrackedFiles | Should -Be 1
    }

    It 'lists the pairs whose state is in the per-user state folder when called without parameters' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null
        $name = 'Listed-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        Invoke-Sync -Source $folders.Source -Destination $folders.Destination -Name $name -Confirm:$false | Out-Null

        $all = @(Get-SyncStatus)

        ($all | Where-Object PairName -eq $name | ForEach-Object LastOutcome) | Should -Be 'Succeeded'
        ($all | Where-Object PairName -eq $name).StatePath | Should -BeLike "$stateHome*"
    }

    It 'shows the status in table and list views' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name 'Viewed'
        $status = Get-SyncStatus -Pair $pair
        ($status | Format-Table | Out-String) | Should -BeLike '*Viewed*Idle*'
        ($status | Format-List | Out-String) | Should -BeLike '*TrackedFiles*'
    }

    It 'changes nothing and takes no -WhatIf' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -StatePath $folders.State
        Get-SyncStatus -Pair $pair | Out-Null

        Test-Path -LiteralPath $folders.State | Should -BeFalse
        (Get-Command Get-SyncStatus).Parameters.ContainsKey('WhatIf') | Should -BeFalse
    }
}

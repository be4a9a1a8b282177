#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Get-SyncHistory and Restore-SyncItem: typed entries from the change log, restore through ShouldProcess, the pipeline
# from one to the other, -Date, -Version, -Destination, and errors as ErrorRecords with stable ids.

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
}

Describe 'Get-SyncHistory and Restore-SyncItem' {
    BeforeEach {
        $stateHome = Use-TestStateHome
        $folders = New-TestPairFolders
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name 'Hist'
        Set-TestFile -Root $folders.Source -RelativePath 'docs/report.txt' -Content 'one' | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'gone.txt' -Content 'gone' | Out-Null
        Invoke-Sync -Pair $pair -Confirm:$false | Out-Null
        Start-Sleep -Milliseconds 50
        $between = [DateTime]::UtcNow
        Start-Sleep -Milliseconds 50
        Set-TestFile -Root $folders.Source -RelativePath 'docs/report.txt' -Content 'two!' | Out-Null
        Remove-Item -LiteralPath (Join-Path $folders.Source 'gone.txt')
        Invoke-Sync -Pair $pair -Confirm:$false | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'docs/report.txt' -Content 'three' | Out-Null
        Invoke-Sync -Pair $pair -Confirm:$false | Out-Null
    }

    It 'lists typed entries newest first, by pair, by name and by state folder, filtered by path and time' {
        $all = @(Get-SyncHistory -Pair $pair)
        $all.Count | Should -Be 5
        $all[0] | Should -BeOfType ([SyncEngine.History.SyncHistoryEntry])
        $all[0].Action | Should -Be ([SyncEngine.History.ChangeKind]::Update)
        $all[0].Path | Should -Be 'docs/report.txt'
        $all[0].HasKeptVersion | Should -BeTrue
        $all[0].PairName | Should -Be 'Hist'
        @(Get-SyncHistory -Name 'Hist' -Path docs).Count | Should -Be 3
        @(Get-SyncHistory -StatePath $pair.ResolvedStatePath -Path 'gone.txt').Action | Should -Be @('Delete', 'Create')
        @(Get-SyncHistory -Pair $pair -Until $between).Count | Should -Be 2
        @(Get-SyncHistory -Pair $pair -Since ([DateTime]::UtcNow.AddMinutes(1))).Count | Should -Be 0
    }

    It 'shows entries as a table through the format file' {
        $text = Get-SyncHistory -Pair $pair | Format-Table | Out-String -Width 200
        $text | Should -BeLike '*TimeUtc*Side*Action*Path*'
        $text | Should -BeLike '*docs/report.txt*'
        $list = Get-SyncHistory -Pair $pair | Select-Object -First 1 | Format-List | Out-String -Width 200
        $list | Should -BeLike '*Id*KeptPath*'
    }

    It 'restores the version a piped entry replaced, keeping the one it replaces' {
        Get-SyncHistory -Pair $pair -Path docs/report.txt | Select-Object -First 1 | Restore-SyncItem -Side Source -Confirm:$false | Out-Null
        Get-TestFileContent -Root $folders.Source -RelativePath 'docs/report.txt' | Should -Be 'two!'
        $restore = Get-SyncHistory -Pair $pair -Path docs/report.txt | Select-Object -First 1
        $restore.Action | Should -Be 'Restore'
        $restore.HasKeptVersion | Should -BeTrue
        $restore | Restore-SyncItem -Confirm:$false | Out-Null
        Get-TestFileContent -Root $folders.Source -RelativePath 'docs/report.txt' | Should -Be 'three'
    }

    It 'changes nothing under -WhatIf and restores a whole side by -Date' {
        $before = Get-TestTree -Root $folders.Source
        Restore-SyncItem -Pair $pair -Side Source -Date $between -WhatIf
        Get-TestTree -Root $folders.Source | Should -Be $before

        $results = @(Restore-SyncItem -Pair $pair -Side Source -Date $between -Confirm:$false)
        $results.Count | Should -Be 2
        $results | ForEach-Object { $_.Status | Should -Be 'Succeeded' }
        Get-TestFileContent -Root $folders.Source -RelativePath 'docs/report.txt' | Should -Be 'one'
        Get-TestFileContent -Root $folders.Source -RelativePath 'gone.txt' | Should -Be 'gone'
    }

    It 'restores by -Version into a -Destination folder, by name' {
        $id = (Get-SyncHistory -Name 'Hist' -Path docs/report.txt)[1].Id
        Restore-SyncItem -Name 'Hist' -Side Destination -Version $id -Destination 'restored' -Confirm:$false | Out-Null
        Get-TestFileContent -Root $folders.Destination -RelativePath 'restored/docs/report.txt' | Should -Be 'one'
        Get-TestFileContent -Root $folders.Destination -RelativePath 'docs/report.txt' | Should -Be 'three'
    }

    It 'reports what cannot be restored as an ErrorRecord with a stable id and a category' {
        $err = $null
        Restore-SyncItem -Pair $pair -Side Source -Date '2000-01-01' -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SyncHistoryDateBeforeFirstSync*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'

        $err = $null
        Restore-SyncItem -Pair $pair -Side Source -Path 'never/seen.txt' -Date ([DateTime]::UtcNow) -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SyncHistoryPathNotFound*'

        $create = Get-SyncHistory -Pair $pair -Path gone.txt | Select-Object -Last 1
        $err = $null
        $create | Restore-SyncItem -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SyncHistoryVersionNotKept*'

        { Restore-SyncItem -Pair $pair -Side Source -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'SyncRestoreInvalidArgument*'
        Get-TestFileContent -Root $folders.Source -RelativePath 'docs/report.txt' | Should -Be 'three'
    }
}

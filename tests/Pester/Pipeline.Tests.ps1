#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# The scripting pattern the module is built for: plan, filter with ordinary cmdlets, then run exactly what is left.

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
    Use-TestStateHome | Out-Null
}

Describe 'Get-SyncPlan | Where-Object | Invoke-Sync' {
    BeforeEach {
        $folders = New-TestPairFolders
        foreach ($name in 'new1.txt', 'new2.txt', 'docs/new3.txt', 'shared.txt') {
            Set-TestFile -Root $folders.Source -RelativePath $name -Content "source $name" | Out-Null
        }
        Set-TestFile -Root $folders.Destination -RelativePath 'shared.txt' -Content 'source shared.txt' | Out-Null
        foreach ($name in 'old1.txt', 'old2.txt') {
            Set-TestFile -Root $folders.Destination -RelativePath $name -Content "destination $name" | Out-Null
        }
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode SourceToDestination -MaxDeletePercent 100
    }

    It 'runs exactly the actions that were kept, and nothing else' {
        $plan = @(Get-SyncPlan $pair)
        ($plan | ForEach-Object { [string]$_.Action } | Sort-Object -Unique) -join ',' | Should -Be 'DeleteDestination,UploadNew'

        $results = @(Get-SyncPlan $pair | Where-Object Action -ne DeleteDestination | Invoke-Sync -Confirm:$false)

        ($results | ForEach-Object RelativePath | Sort-Object) -join ',' | Should -Be 'docs/new3.txt,new1.txt,new2.txt'
        ($results | ForEach-Object Status | Sort-Object -Unique) -join ',' | Should -Be 'Succeeded'
        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'docs/new3.txt,new1.txt,new2.txt,old1.txt,old2.txt,shared.txt'
    }

    It 'leaves the filtered-out actions pending for the next plan' {
        Get-SyncPlan $pair | Where-Object Action -ne DeleteDestination | Invoke-Sync -Confirm:$false | Out-Null

        $pending = @(Get-SyncPlan $pair)

        ($pending | ForEach-Object { '{0} {1}' -f $_.Action, $_.RelativePath } | Sort-Object) -join ',' |
            Should -Be 'DeleteDestination old1.txt,DeleteDestination old2.txt'
    }

    It 'runs a single action picked with Select-Object' {
        $results = @(Get-SyncPlan $pair | Where-Object RelativePath -eq 'new2.txt' | Select-Object -First 1 | Invoke-Sync -Confirm:$false)

        $results.Count | Should -Be 1
        $results[0].RelativePath | Should -Be 'new2.txt'
        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'new2.txt,old1.txt,old2.txt,shared.txt'
    }

    It 'runs an array of actions given to -InputObject' {
        $kept = @(Get-SyncPlan $pair | Where-Object { $_.RelativePath -like 'docs/*' })

        $results = @(Invoke-Sync -InputObject $kept -Confirm:$false)

        ($results | ForEach-Object RelativePath) -join ',' | Should -Be 'docs/new3.txt'
    }

    It 'changes nothing for piped actions under -WhatIf' {
        Get-SyncPlan $pair | Invoke-Sync -WhatIf

        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'old1.txt,old2.txt,shared.txt'
    }

    It 'runs nothing when the filter keeps nothing' {
        $results = @(Get-SyncPlan $pair | Where-Object Action -eq DownloadNew | Invoke-Sync -Confirm:$false)

        $results.Count | Should -Be 0
        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'old1.txt,old2.txt,shared.txt'
    }

    It 'runs the actions of several pairs piped together, each in its own pair' {
        $other = New-TestPairFolders
        Set-TestFile -Root $other.Source -RelativePath 'other.txt' | Out-Null
        $otherPair = New-SyncPair -Source $other.Source -Destination $other.Destination -Name 'Other'

        $results = @(@(Get-SyncPlan $pair | Where-Object RelativePath -eq 'new1.txt') + @(Get-SyncPlan $otherPair) | Invoke-Sync -Confirm:$false)

        ($results | ForEach-Object { '{0}:{1}' -f $_.PairName, $_.RelativePath } | Sort-Object) -join ',' |
            Should -Be ('Other:other.txt,{0}:new1.txt' -f $pair.Name)
        (Get-TestTree -Root $other.Destination) -join ',' | Should -Be 'other.txt'
    }

    It 'streams results to the next command as they complete' {
        $seen = New-Object System.Collections.Generic.List[object]
        Get-SyncPlan $pair | Where-Object Action -eq UploadNew | Invoke-Sync -Confirm:$false | ForEach-Object { $seen.Add($_) }

        $seen.Count | Should -Be 3
        $seen | ForEach-Object { $_ | Should -BeOfType ([SyncEngine.SyncResult]) }
        @($seen | Where-Object Status -eq Failed).Count | Should -Be 0
    }
}

Describe 'Pairs through the pipeline' {
    It 'New-SyncPair | Invoke-Sync syncs the pair' {
        $folders = New-TestPairFolders
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null

        $results = @(New-SyncPair -Source $folders.Source -Destination $folders.Destination | Invoke-Sync -Confirm:$false)

        $results.Count | Should -Be 1
        (Get-TestTree -Root $folders.Destination) -join ',' | Should -Be 'a.txt'
    }

    It 'New-SyncPair | Get-SyncPlan | Invoke-Sync -Summary writes one summary' {
        $folders = New-TestPairFolders
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'b.txt' | Out-Null

        $summary = @(New-SyncPair -Source $folders.Source -Destination $folders.Destination | Get-SyncPlan | Invoke-Sync -Summary -Confirm:$false)

        $summary.Count | Should -Be 1
        $summary[0].Succeeded | Should -Be 2
    }
}

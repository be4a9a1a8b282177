#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
    Use-TestStateHome | Out-Null
}

Describe 'New-SyncPair' {
    BeforeEach {
        $folders = New-TestPairFolders
    }

    It 'returns a SyncPair with the engine defaults' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination

        $pair | Should -BeOfType ([SyncEngine.SyncPair])
        $pair.Source | Should -Be $folders.Source
        $pair.Destination | Should -Be $folders.Destination
        $pair.Mode | Should -Be ([SyncEngine.SyncMode]::TwoWay)
        $pair.CompareMode | Should -Be ([SyncEngine.CompareMode]::HashThenMtime)
        $pair.ConflictResolution | Should -Be ([SyncEngine.ConflictResolution]::NewestWins)
        $pair.InitialSyncPreference | Should -Be ([SyncEngine.InitialSyncPreference]::Merge)
        $pair.TransferLimit | Should -Be 4
        $pair.OperationLimit | Should -Be 8
        $pair.BandwidthLimit | Should -Be 0
        $pair.MaxDeletePercent | Should -Be 50
        $pair.UseTrash | Should -BeTrue
        $pair.Name | Should -Be 'source->destination'
    }

    It 'applies every option it is given' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode SourceBackup `
            -CompareMode SizeAndMtime -ConflictResolution KeepBoth -InitialSyncPreference SourceWins `
            -Ignore '*.tmp', 'build/' -StatePath $folders.State -Name 'Nightly' -TransferLimit 2 -OperationLimit 3 `
            -BandwidthLimit 10MB -MaxDeletePercent 10 -NoTrash

        $pair.Mode | Should -Be 'SourceBackup'
        $pair.CompareMode | Should -Be 'SizeAndMtime'
        $pair.ConflictResolution | Should -Be 'KeepBoth'
        $pair.InitialSyncPreference | Should -Be 'SourceWins'
        ($pair.IgnorePatterns -join ',') | Should -Be '*.tmp,build/'
        $pair.ResolvedStatePath | Should -Be $folders.State
        $pair.Name | Should -Be 'Nightly'
        $pair.TransferLimit | Should -Be 2
        $pair.OperationLimit | Should -Be 3
        $pair.BandwidthLimit | Should -Be 10485760
        $pair.MaxDeletePercent | Should -Be 10
        $pair.UseTrash | Should -BeFalse
    }

    It 'accepts the mode alias <Alias> for <Mode>' -TestCases @(
        @{ Alias = 'tw'; Mode = 'TwoWay' }
        @{ Alias = 'std'; Mode = 'SourceToDestination' }
        @{ Alias = 'mirror'; Mode = 'SourceToDestination' }
        @{ Alias = 'sb'; Mode = 'SourceBackup' }
        @{ Alias = 'dts'; Mode = 'DestinationToSource' }
        @{ Alias = 'db'; Mode = 'DestinationBackup' }
        @{ Alias = 'source-to-destination'; Mode = 'SourceToDestination' }
    ) {
        param($Alias, $Mode)
        (New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode $Alias).Mode | Should -Be $Mode
    }

    It 'names the accepted values when a mode is not one' {
        $err = { New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode Sideways } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*Sideways*'
        $err.Exception.Message | Should -BeLike '*TwoWay*'
    }

    It 'resolves relative paths against the PowerShell location, not the process working folder' {
        $base = Split-Path -Parent $folders.Source
        $processFolder = [Environment]::CurrentDirectory
        Push-Location -LiteralPath $base
        try {
            [Environment]::CurrentDirectory = [System.IO.Path]::GetTempPath()
            $pair = New-SyncPair -Source 'source' -Destination (Join-Path '.' 'destination')
        }
        finally {
            Pop-Location
            [Environment]::CurrentDirectory = $processFolder
        }

        $pair.Source | Should -Be $folders.Source
        $pair.Destination | Should -Be $folders.Destination
    }

    It 'accepts PowerShell drive paths' {
        New-PSDrive -Name SyncTest -PSProvider FileSystem -Root (Split-Path -Parent $folders.Source) | Out-Null
        try {
            $pair = New-SyncPair -Source 'SyncTest:\source' -Destination 'SyncTest:\destination'
        }
        finally {
            Remove-PSDrive -Name SyncTest
        }

        $pair.Source | Should -Be $folders.Source
    }

    It 'rejects a path of another provider with SyncPathNotFileSystem' {
        $err = { New-SyncPair -Source 'Variable:\PSVersionTable' -Destination $folders.Destination } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncPathNotFileSystem,*'
    }

    It 'rejects a missing source with SyncRootNotFound, naming the folder' {
        $missing = Join-Path $folders.Source 'missing'
        $err = { New-SyncPair -Source $missing -Destination $folders.Destination } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncRootNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -BeLike "*$missing*"
    }

    It 'rejects a destination inside the source with SyncRootsOverlap' {
        $err = { New-SyncPair -Source $folders.Source -Destination (Join-Path $folders.Source 'inner') } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncRootsOverlap,*'
    }

    It 'rejects a malformed ignore pattern with SyncIgnoreRuleInvalid' {
        $err = { New-SyncPair -Source $folders.Source -Destination $folders.Destination -Ignore '!' } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncIgnoreRuleInvalid,*'
    }

    It 'rejects a malformed line of .syncignore, naming the file and line' {
        Set-TestFile -Root $folders.Source -RelativePath '.syncignore' -Content "*.tmp`n!`n" | Out-Null
        $err = { New-SyncPair -Source $folders.Source -Destination $folders.Destination } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncIgnoreRuleInvalid,*'
        $err.Exception.Message | Should -BeLike '*.syncignore:2:*'
    }

    It 'rejects an -IgnoreFile that does not exist with SyncIgnoreFileNotFound' {
        $err = { New-SyncPair -Source $folders.Source -Destination $folders.Destination -IgnoreFile (Join-Path $folders.Source 'nope.txt') } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncIgnoreFileNotFound,*'
    }

    It 'rejects out-of-range limits before touching anything' {
        { New-SyncPair -Source $folders.Source -Destination $folders.Destination -TransferLimit 0 } | Should -Throw
        { New-SyncPair -Source $folders.Source -Destination $folders.Destination -MaxDeletePercent 101 } | Should -Throw
        { New-SyncPair -Source $folders.Source -Destination $folders.Destination -BandwidthLimit -1 } | Should -Throw
    }

    It 'changes nothing on disk' {
        $destination = Join-Path (Split-Path -Parent $folders.Source) 'new-destination'
        $pair = New-SyncPair -Source $folders.Source -Destination $destination -StatePath $folders.State

        Test-Path -LiteralPath $destination | Should -BeFalse
        Test-Path -LiteralPath $folders.State | Should -BeFalse
        Test-Path -LiteralPath $pair.ResolvedStatePath | Should -BeFalse
    }

    It 'does not offer -WhatIf or -Confirm, because it changes nothing' {
        $command = Get-Command New-SyncPair
        $command.Parameters.ContainsKey('WhatIf') | Should -BeFalse
        $command.Parameters.ContainsKey('Confirm') | Should -BeFalse
    }

    It 'remembers a named pair for the -Name parameters of the other cmdlets' {
        $name = 'Named-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name $name | Out-Null

        $status = Get-SyncStatus -Name $name
        $status.PairName | Should -Be $name
        $status.State | Should -Be 'Idle'
    }

    It 'keeps two names given to the same folders apart' {
        $first = 'First-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $second = 'Second-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name $first | Out-Null
        New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name $second | Out-Null

        (Get-SyncStatus -Name $second).PairName | Should -Be $second
        (Get-SyncStatus -Name $first).PairName | Should -Be $first
    }

    It 'completes <Line> with <Expected> in a real session' -TestCases @(
        @{ Line = 'New-SyncPair -Mode mi'; Expected = 'mirror' }
        @{ Line = 'New-SyncPair -Mode sou'; Expected = 'SourceToDestination' }
        @{ Line = 'Get-SyncPlan -CompareMode sizeo'; Expected = 'SizeOnly' }
        @{ Line = 'Invoke-Sync -ConflictResolution keep'; Expected = 'KeepBoth' }
        @{ Line = 'New-SyncPair -InitialSyncPreference me'; Expected = 'Merge' }
    ) {
        param($Line, $Expected)
        $matches = (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
        @($matches | ForEach-Object CompletionText) | Should -Contain $Expected
    }

    It 'still binds the values and aliases it completes' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode mirror -CompareMode size-only `
            -ConflictResolution keepboth -InitialSyncPreference ([SyncEngine.InitialSyncPreference]::SourceWins)
        $pair.Mode | Should -Be ([SyncEngine.SyncMode]::SourceToDestination)
        $pair.CompareMode | Should -Be ([SyncEngine.CompareMode]::SizeOnly)
        $pair.ConflictResolution | Should -Be ([SyncEngine.ConflictResolution]::KeepBoth)
        $pair.InitialSyncPreference | Should -Be ([SyncEngine.InitialSyncPreference]::SourceWins)
        { New-SyncPair -Source $folders.Source -Destination $folders.Destination -Mode sideways } |
            Should -Throw -ErrorId 'ParameterArgumentTransformationError,SyncEngine.PowerShell.Commands.NewSyncPairCommand'
    }

    It 'shows the pair in table and list views' {
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -Name 'ViewPair'
        ($pair | Format-Table | Out-String) | Should -BeLike '*ViewPair*TwoWay*'
        $list = $pair | Format-List | Out-String
        $list | Should -BeLike '*StatePath*'
        $list | Should -BeLike '*MaxDeletePercent*'
    }
}

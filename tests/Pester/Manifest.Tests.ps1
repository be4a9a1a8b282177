#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    $script:ManifestPath = Get-SyncEngineTestManifest
    $script:ModuleBase = Split-Path -Parent $script:ManifestPath
    $props = [xml](Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../../Directory.Build.props'))
    $script:ExpectedVersion = $props.SelectSingleNode('/Project/PropertyGroup/VersionPrefix').InnerText.Trim()
    $script:Cmdlets = 'Get-SyncPlan', 'Get-SyncStatus', 'Invoke-Sync', 'New-SyncPair', 'Resume-Sync', 'Stop-Sync', 'Suspend-Sync'
    $script:Module = Import-SyncEngineUnderTest
}

Describe 'The SyncEngine module manifest and layout' {
    It 'passes Test-ModuleManifest' {
        $info = Test-ModuleManifest -Path $script:ManifestPath -ErrorAction Stop
        $info.Name | Should -Be 'SyncEngine'
        $info.Version | Should -Be ([version]$script:ExpectedVersion)
    }

    It 'is laid out as out/SyncEngine/<version>/ with the version from Directory.Build.props' {
        Split-Path -Leaf $script:ModuleBase | Should -Be $script:ExpectedVersion
        Split-Path -Leaf (Split-Path -Parent $script:ModuleBase) | Should -Be 'SyncEngine'
        $script:Module.Version | Should -Be ([version]$script:ExpectedVersion)
        $script:Module.ModuleBase | Should -Be $script:ModuleBase
    }

    It 'exports exactly the seven cmdlets and nothing else' {
        ($script:Module.ExportedCmdlets.Keys | Sort-Object) -join ',' | Should -Be ($script:Cmdlets -join ',')
        $script:Module.ExportedFunctions.Count | Should -Be 0
        $script:Module.ExportedAliases.Count | Should -Be 0
        $script:Module.ExportedVariables.Count | Should -Be 0
        (Get-Command -Module SyncEngine | Sort-Object Name | ForEach-Object Name) -join ',' | Should -Be ($script:Cmdlets -join ',')
    }

    It 'declares both editions, PowerShell 5.1 and .NET Framework 4.7.2' {
        $data = Import-PowerShellDataFile -LiteralPath $script:ManifestPath
        ($data.CompatiblePSEditions | Sort-Object) -join ',' | Should -Be 'Core,Desktop'
        $data.PowerShellVersion | Should -Be '5.1'
        $data.DotNetFrameworkVersion | Should -Be '4.7.2'
        $data.RootModule | Should -Be 'SyncEngine.PowerShell.dll'
        $data.GUID | Should -Be '8737fd14-12e9-4457-9f1b-4c265288f5bb'
    }

    It 'carries the Gallery metadata' {
        $psData = (Import-PowerShellDataFile -LiteralPath $script:ManifestPath).PrivateData.PSData
        foreach ($tag in 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS', 'Sync', 'Backup', 'Mirror') {
            $psData.Tags | Should -Contain $tag
        }
        $psData.ProjectUri | Should -Match '^https://'
        $psData.LicenseUri | Should -Match '^https://'
        $psData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'loads the engine from the module folder' {
        [SyncEngine.SyncPair].Assembly.Location | Should -Be (Join-Path $script:ModuleBase 'SyncEngine.Core.dll')
        [SyncEngine.PowerShell.Commands.NewSyncPairCommand].Assembly.Location | Should -Be (Join-Path $script:ModuleBase 'SyncEngine.PowerShell.dll')
    }

    It 'ships third-party assemblies in dependencies/ and no PowerShell assembly' {
        $top = @(Get-ChildItem -LiteralPath $script:ModuleBase -Filter *.dll | ForEach-Object Name | Sort-Object)
        ($top -join ',') | Should -Be 'SyncEngine.Core.dll,SyncEngine.PowerShell.dll'
        $dependencies = @(Get-ChildItem -LiteralPath (Join-Path $script:ModuleBase 'dependencies') -Filter *.dll -Recurse | ForEach-Object Name)
        $dependencies | Should -Contain 'System.Text.Json.dll'
        @(Get-ChildItem -LiteralPath $script:ModuleBase -Recurse -Filter 'System.Management.Automation*').Count | Should -Be 0
    }

    It 'runs the engine with its dependencies (JSON state written and read back)' {
        $folders = New-TestPairFolders
        $env:SYNCENGINE_STATE_HOME = Join-Path $TestDrive 'manifest-state'
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination $folders.Destination -StatePath $folders.State
        (Invoke-Sync -Pair $pair -Summary -Confirm:$false).Outcome | Should -Be 'Succeeded'
        (Get-SyncStatus -Pair $pair).TrackedFiles | Should -Be 1
    }

    It 'syncs in a session where another module brought an older System.Text.Json first' -Skip:($PSVersionTable.PSEdition -eq 'Desktop') {
        # Another module's copy of a shared dependency, loaded before SyncEngine: an assembly named System.Text.Json,
        # version 4.0.0.0, made here. The engine must still bind to a System.Text.Json it was built against (10.0 or
        # later: the host's, or its own from dependencies/) and sync, writing and reading its JSON state.
        $other = Join-Path $TestDrive 'OtherModule'
        New-Item -ItemType Directory -Path $other | Out-Null
        $fake = Join-Path $other 'System.Text.Json.dll'
        Add-Type -OutputAssembly $fake -OutputType Library -TypeDefinition @'
[assembly: System.Reflection.AssemblyVersion("4.0.0.0")]
namespace System.Text.Json { public static class JsonSerializer { public static string Old() { return "old"; } } }
'@
        $folders = New-TestPairFolders
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' | Out-Null
        $script = @"
`$ProgressPreference = 'SilentlyContinue'
try { Add-Type -LiteralPath '$($fake -replace "'", "''")' -ErrorAction Stop; 'preloaded' } catch { 'preload refused: ' + `$_.Exception.GetType().Name }
Import-Module '$((Get-SyncEngineTestManifest) -replace "'", "''")' -ErrorAction Stop
`$pair = New-SyncPair -Source '$($folders.Source)' -Destination '$($folders.Destination)' -StatePath '$($folders.State)'
'outcome=' + (Invoke-Sync -Pair `$pair -Summary -Confirm:`$false).Outcome
'tracked=' + (Get-SyncStatus -Pair `$pair).TrackedFiles
`$core = [SyncEngine.SyncPair].Assembly
`$context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$core)
`$used = @(`$context.Assemblies) + @([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies) | Where-Object { `$_.GetName().Name -eq 'System.Text.Json' -and `$_.GetName().Version -ge [version]'10.0' }
'json10=' + @(`$used).Count
"@
        $child = Invoke-ChildPowerShell -Script $script -NoImport -TimeoutSeconds 120
        $child.Error | Should -BeNullOrEmpty
        $child.Output | Should -Contain 'outcome=Succeeded'
        $child.Output | Should -Contain 'tracked=1'
        ($child.Output | Where-Object { $_ -like 'json10=*' }) | Should -Not -Be 'json10=0'
        Test-Path -LiteralPath (Join-Path $folders.Destination 'a.txt') | Should -BeTrue
    }

    It 'has table and list views for <TypeName>' -TestCases @(
        @{ TypeName = 'SyncEngine.SyncPair' }
        @{ TypeName = 'SyncEngine.SyncAction' }
        @{ TypeName = 'SyncEngine.SyncResult' }
        @{ TypeName = 'SyncEngine.SyncSummary' }
        @{ TypeName = 'SyncEngine.Control.SyncStatusInfo' }
        @{ TypeName = 'SyncEngine.PowerShell.Jobs.SyncJob' }
    ) {
        param($TypeName)
        $controls = @(Get-FormatData -TypeName $TypeName -PowerShellVersion $PSVersionTable.PSVersion |
                ForEach-Object FormatViewDefinition | ForEach-Object { $_.Control.GetType().Name })
        $controls | Should -Contain 'TableControl'
        $controls | Should -Contain 'ListControl'
    }

    It 'extends the output types with the members of SyncEngine.types.ps1xml' {
        (Get-TypeData -TypeName SyncEngine.Control.SyncStatusInfo).Members.Keys | Should -Contain 'IsRunning'
        (Get-TypeData -TypeName SyncEngine.SyncAction).Members.Keys | Should -Contain 'SourceFullPath'
        (Get-TypeData -TypeName SyncEngine.SyncSummary).Members.Keys | Should -Contain 'Total'
    }

    It 'imports again in a fresh process with no errors or warnings' {
        $child = Invoke-ChildPowerShell -Script '(Get-Module SyncEngine).Version.ToString(); $Error.Count' -ExtraArguments @()
        $child.ExitCode | Should -Be 0 -Because $child.Error
        $child.Output[0] | Should -Be $script:ExpectedVersion
        $child.Output[1] | Should -Be '0'
    }

    It 'is found by name when out/ is first in PSModulePath' {
        $outRoot = Split-Path -Parent (Split-Path -Parent $script:ModuleBase)
        $childScript = "`$env:PSModulePath = '$($outRoot -replace "'", "''")' + [System.IO.Path]::PathSeparator + `$env:PSModulePath; " +
            "Import-Module SyncEngine -ErrorAction Stop; (Get-Module SyncEngine).ModuleBase"
        $child = Invoke-ChildPowerShell -Script $childScript -NoImport
        $child.ExitCode | Should -Be 0 -Because $child.Error
        $child.Output[-1] | Should -Be $script:ModuleBase
    }
}

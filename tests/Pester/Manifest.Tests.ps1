#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    $script:ManifestPath = Get-SyncEngineTestManifest
    $script:ModuleBase = Split-Path -Parent $script:ManifestPath
    $props = [xml](Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '../../Directory.Build.props'))
    $script:ExpectedVersion = $props.SelectSingleNode('/Project/PropertyGroup/VersionPrefix').InnerText.Trim()
    $script:Cmdlets = 'Get-SyncHistory', 'Get-SyncPlan', 'Get-SyncStatus', 'Invoke-Sync', 'New-SyncPair', 'Restore-SyncItem', 'Resume-Sync', 'Stop-Sync', 'Suspend-Sync'
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

    It 'exports exactly the nine cmdlets and nothing else' {
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
        $dependencies | Should -Contain 'System.Memory.dll'
        @($dependencies | Where-Object { $_ -like 'SyncEngine.*' }).Count | Should -Be 0
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

    It 'has a table and a list view for every output type of its cmdlets' {
        $outputTypes = @(Get-Command -Module SyncEngine | ForEach-Object OutputType | ForEach-Object Name | Sort-Object -Unique)
        $outputTypes.Count | Should -BeGreaterThan 0
        foreach ($typeName in $outputTypes) {
            $controls = @(Get-FormatData -TypeName $typeName -PowerShellVersion $PSVersionTable.PSVersion |
                    ForEach-Object FormatViewDefinition | ForEach-Object { $_.Control.GetType().Name })
            $controls | Should -Contain 'TableControl' -Because "$typeName needs a table view"
            $controls | Should -Contain 'ListControl' -Because "$typeName needs a list view"
        }
    }

    It 'shows in its views only properties the types have' {
        $views = @(Get-FormatData -TypeName 'SyncEngine.*' -PowerShellVersion $PSVersionTable.PSVersion)
        $views.Count | Should -BeGreaterThan 0
        foreach ($view in $views) {
            $type = $view.TypeNames[0] -as [type]
            $type | Should -Not -BeNullOrEmpty -Because "a view selects $($view.TypeNames[0]), which the module must define"
            $members = @($type.GetProperties() | ForEach-Object Name) + @((Get-TypeData -TypeName $type.FullName).Members.Keys)
            foreach ($definition in $view.FormatViewDefinition) {
                $control = $definition.Control
                $entries = @(if ($control -is [System.Management.Automation.TableControl]) { $control.Rows | ForEach-Object Columns | ForEach-Object DisplayEntry }
                    elseif ($control -is [System.Management.Automation.ListControl]) { $control.Entries | ForEach-Object Items | ForEach-Object DisplayEntry })
                foreach ($entry in $entries | Where-Object ValueType -eq 'Property') {
                    $members | Should -Contain $entry.Value -Because "view $($definition.Name) shows $($type.FullName).$($entry.Value)"
                }
            }
        }
    }

    It 'extends the output types with the members of SyncEngine.types.ps1xml' {
        (Get-TypeData -TypeName SyncEngine.Control.SyncStatusInfo).Members.Keys | Should -Contain 'IsRunning'
        (Get-TypeData -TypeName SyncEngine.SyncAction).Members.Keys | Should -Contain 'SourceFullPath'
        (Get-TypeData -TypeName SyncEngine.SyncSummary).Members.Keys | Should -Contain 'Total'
    }

    It 'adds type members only to module types, never one a type already has, and aliases only members that exist' {
        $typeData = @(Get-TypeData -TypeName 'SyncEngine.*')
        $typeData.Count | Should -BeGreaterThan 0
        foreach ($data in $typeData) {
            $type = $data.TypeName -as [type]
            $type | Should -Not -BeNullOrEmpty -Because "SyncEngine.types.ps1xml extends $($data.TypeName), which the module must define"
            $properties = @($type.GetProperties() | ForEach-Object Name) + @($type.GetFields() | ForEach-Object Name)
            foreach ($name in $data.Members.Keys) {
                $properties | Should -Not -Contain $name -Because "$($data.TypeName) already has $name; an added member would hide it"
                $member = $data.Members[$name]
                if ($member -is [System.Management.Automation.Runspaces.AliasPropertyData]) {
                    ($properties + @($data.Members.Keys)) | Should -Contain $member.ReferencedMemberName -Because "$($data.TypeName).$name aliases it"
                }
            }
        }
    }

    It 'is built for .NET Standard 2.0, so both editions load it' {
        $framework = [SyncEngine.PowerShell.Commands.NewSyncPairCommand].Assembly.GetCustomAttributes([System.Runtime.Versioning.TargetFrameworkAttribute], $false)
        $framework.FrameworkName | Should -Be '.NETStandard,Version=v2.0'
    }

    It 'ships every assembly its assemblies reference, at a sufficient version, or finds it in this PowerShell' -Skip:($PSVersionTable.PSEdition -eq 'Desktop') {
        # Read without loading: System.Reflection.Metadata, as the runtime's binder would see the references.
        $laidOut = @(Get-ChildItem -LiteralPath $script:ModuleBase -Filter *.dll) + @(Get-ChildItem -LiteralPath (Join-Path $script:ModuleBase 'dependencies') -Filter *.dll -Recurse)
        $shipped = @{}
        foreach ($file in $laidOut) { $shipped[[System.Reflection.AssemblyName]::GetAssemblyName($file.FullName).Name] = [System.Reflection.AssemblyName]::GetAssemblyName($file.FullName).Version }
        foreach ($file in $laidOut) {
            $stream = [System.IO.File]::OpenRead($file.FullName)
            try {
                $pe = New-Object System.Reflection.PortableExecutable.PEReader $stream
                $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                foreach ($handle in $reader.AssemblyReferences) {
                    $reference = $reader.GetAssemblyReference($handle)
                    $name = $reader.GetString($reference.Name)
                    if ($name -like 'System.Management.Automation*') { continue }
                    if ($shipped.ContainsKey($name)) {
                        $shipped[$name] | Should -BeGreaterOrEqual $reference.Version -Because "$($file.Name) references $name $($reference.Version)"
                        continue
                    }
                    $fromHost = $null
                    try { $fromHost = [System.Reflection.Assembly]::Load($name) } catch { }
                    $fromHost | Should -Not -BeNullOrEmpty -Because "$($file.Name) references $name $($reference.Version), which the layout does not ship and PowerShell does not provide"
                    $fromHost.GetName().Version | Should -BeGreaterOrEqual $reference.Version -Because "$($file.Name) references $name $($reference.Version)"
                }
                $pe.Dispose()
            }
            finally { $stream.Dispose() }
        }
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

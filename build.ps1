#Requires -Version 5.1
<#
.SYNOPSIS
    Builds the SyncEngine module into out/SyncEngine/<version>/, checks it, tests it and packages it.

.DESCRIPTION
    The layout itself is made by `dotnet build tools/SyncEngine.Packaging` (so CI without PowerShell can make it
    too): it publishes src/SyncEngine.PowerShell, puts SyncEngine.*.dll beside the manifest and every other DLL of
    the publish output in dependencies/, stamps the manifest with VersionPrefix from Directory.Build.props, copies
    the format and types files, writes en-US/ help from docs/SyncEngine, and fails if a
    System.Management.Automation*.dll shows up. This script adds what needs PowerShell:

      1. -Clean: removes out/ and the packaging intermediates first.
      2. MAML help: with Microsoft.PowerShell.PlatyPS installed, Import-MarkdownCommandHelp | Export-MamlCommandHelp
         makes the cmdlet help (the build's own generator still checks the markdown and writes about_SyncEngine);
         otherwise tools/SyncEngine.BuildTools makes it.
      3. Layout (dotnet build tools/SyncEngine.Packaging).
      4. Test-ModuleManifest on the laid-out manifest, in a child PowerShell.
      5. -Test: dotnet test (xunit, including the metadata and help contract tests), then the Pester 5 suites in
         tests/Pester in a child `-NoProfile -NonInteractive` PowerShell whose PSModulePath starts with out/ and
         whose SYNCENGINE_TEST_MANIFEST names the laid-out manifest. The module is never imported into this session,
         so a rebuild can always replace the DLLs.
      6. -Package: dotnet pack tools/SyncEngine.Packaging, giving out/SyncEngine.<version>.nupkg (module files at
         the package root, as PowerShellGet v3 packs them) for Publish-PSResource -NupkgPath.

.PARAMETER Configuration
    Debug or Release (default Release).

.PARAMETER Clean
    Remove out/ and the packaging intermediates before building.

.PARAMETER Test
    Run the xunit tests and the Pester suites against the built layout.

.PARAMETER Package
    Make out/SyncEngine.<version>.nupkg.

.PARAMETER TestPowerShell
    The PowerShell executables that run the Pester suites (default: the one running this script). Give both
    'pwsh' and 'powershell' on Windows to test PowerShell 7 and Windows PowerShell 5.1.

.PARAMETER SkipUnitTests
    With -Test, run only the Pester suites.

.EXAMPLE
    ./build.ps1 -Clean -Test -Package

.EXAMPLE
    ./build.ps1 -Test -TestPowerShell pwsh, powershell
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    [switch] $Clean,
    [switch] $Test,
    [switch] $Package,
    [string[]] $TestPowerShell,
    [switch] $SkipUnitTests
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repo = $PSScriptRoot
$packaging = Join-Path $repo 'tools/SyncEngine.Packaging/SyncEngine.Packaging.csproj'
$outRoot = Join-Path $repo 'out'
$docs = Join-Path $repo 'docs/SyncEngine'

function Invoke-Step {
    param([string] $Title, [scriptblock] $Action)
    Write-Host "==> $Title" -ForegroundColor Cyan
    & $Action
}

function Invoke-Native {
    param([string] $FilePath, [string[]] $Arguments)
    Write-Host "    $FilePath $($Arguments -join ' ')" -ForegroundColor DarkGray
    & $FilePath @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$FilePath exited with $LASTEXITCODE." }
}

function Get-BuildProperty {
    param([string] $Name)
    $props = [xml](Get-Content -Raw -LiteralPath (Join-Path $repo 'Directory.Build.props'))
    $node = $props.SelectSingleNode("/Project/PropertyGroup/$Name")
    if ($null -ne $node) { $node.InnerText.Trim() }
}

function Get-CurrentPowerShell {
    [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
}

# Runs a script in a child PowerShell with the given environment added; returns its exit code.
function Invoke-ChildPowerShell {
    param([string] $PowerShell, [string] $Script, [hashtable] $Environment = @{})
    $saved = @{}
    foreach ($key in $Environment.Keys) {
        $saved[$key] = [Environment]::GetEnvironmentVariable($key)
        [Environment]::SetEnvironmentVariable($key, $Environment[$key])
    }
    try {
        $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($Script))
        & $PowerShell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand $encoded | Out-Host
        $LASTEXITCODE
    }
    finally {
        foreach ($key in $saved.Keys) { [Environment]::SetEnvironmentVariable($key, $saved[$key]) }
    }
}

$version = Get-BuildProperty -Name VersionPrefix
if (-not $version) { throw 'Directory.Build.props has no VersionPrefix.' }
$suffix = Get-BuildProperty -Name VersionSuffix
$packageVersion = if ($suffix) { "$version-$($suffix -replace '[.-]', '')" } else { $version }
$layout = Join-Path $outRoot "SyncEngine/$version"
$manifest = Join-Path $layout 'SyncEngine.psd1'
$msbuildProperties = @("-p:Configuration=$Configuration")

if ($Clean) {
    Invoke-Step 'Clean' {
        if (Test-Path -LiteralPath $outRoot) { Remove-Item -LiteralPath $outRoot -Recurse -Force }
        Invoke-Native dotnet @('clean', $packaging, '-c', $Configuration, '-nologo', '-v', 'minimal')
        $intermediate = Join-Path $repo 'tools/SyncEngine.Packaging/obj'
        foreach ($folder in 'module-publish', 'module-package', 'platyps') {
            $path = Join-Path $intermediate $folder
            if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path -Recurse -Force }
        }
    }
}

Invoke-Step 'Cmdlet help (MAML)' {
    $platyPS = Get-Module -ListAvailable -Name Microsoft.PowerShell.PlatyPS | Sort-Object Version -Descending | Select-Object -First 1
    if ($null -eq $platyPS) {
        Write-Host '    Microsoft.PowerShell.PlatyPS is not installed: tools/SyncEngine.BuildTools writes the MAML.'
        return
    }

    Write-Host "    Using Microsoft.PowerShell.PlatyPS $($platyPS.Version)."
    $mamlFolder = Join-Path $repo 'tools/SyncEngine.Packaging/obj/platyps'
    if (Test-Path -LiteralPath $mamlFolder) { Remove-Item -LiteralPath $mamlFolder -Recurse -Force }
    $childScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module Microsoft.PowerShell.PlatyPS -RequiredVersion '$($platyPS.Version)'
`$files = Get-ChildItem -LiteralPath '$($docs -replace "'", "''")' -Filter *.md | Where-Object Name -notlike 'about_*'
`$files | ForEach-Object { Import-MarkdownCommandHelp -Path `$_.FullName } |
    Export-MamlCommandHelp -OutputFolder '$($mamlFolder -replace "'", "''")' -Force | Out-Null
"@
    $code = Invoke-ChildPowerShell -PowerShell (Get-CurrentPowerShell) -Script $childScript
    if ($code -ne 0) { throw "PlatyPS could not convert docs/SyncEngine (exit code $code)." }
    $maml = @(Get-ChildItem -LiteralPath $mamlFolder -Recurse -Filter '*-Help.xml')
    if ($maml.Count -ne 1) { throw "Expected one MAML file from PlatyPS in $mamlFolder, found $($maml.Count)." }
    $script:msbuildProperties += "-p:ModuleMamlFile=$($maml[0].FullName)"
}

Invoke-Step "Layout out/SyncEngine/$version" {
    Invoke-Native dotnet (@('build', $packaging, '-nologo', '-v', 'minimal') + $msbuildProperties)
    if (-not (Test-Path -LiteralPath $manifest)) { throw "The build did not lay out $manifest." }
}

Invoke-Step 'Test-ModuleManifest' {
    $childScript = @"
`$ErrorActionPreference = 'Stop'
`$info = Test-ModuleManifest -Path '$($manifest -replace "'", "''")'
if (`$info.Version -ne [version]'$version') { throw "The manifest says `$(`$info.Version), Directory.Build.props says $version." }
'    {0} {1}: {2} cmdlets' -f `$info.Name, `$info.Version, `$info.ExportedCmdlets.Count
"@
    $code = Invoke-ChildPowerShell -PowerShell (Get-CurrentPowerShell) -Script $childScript
    if ($code -ne 0) { throw 'Test-ModuleManifest failed.' }
}

if ($Test) {
    if (-not $SkipUnitTests) {
        Invoke-Step 'xunit tests' {
            Invoke-Native dotnet @('test', (Join-Path $repo 'SyncEngine.PowerShell.sln'), '-c', $Configuration, '-nologo', '-v', 'minimal')
        }
    }

    $hosts = if ($TestPowerShell) { $TestPowerShell } else { @(Get-CurrentPowerShell) }
    foreach ($testHost in $hosts) {
        Invoke-Step "Pester suites ($testHost)" {
            $results = Join-Path $outRoot ('TestResults/Pester-{0}.xml' -f [System.IO.Path]::GetFileNameWithoutExtension($testHost))
            New-Item -ItemType Directory -Path (Split-Path -Parent $results) -Force | Out-Null
            $childScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module Pester -MinimumVersion 5.0.0
`$configuration = New-PesterConfiguration
`$configuration.Run.Path = '$((Join-Path $repo 'tests/Pester') -replace "'", "''")'
`$configuration.Run.Exit = `$true
`$configuration.Output.Verbosity = 'Detailed'
`$configuration.TestResult.Enabled = `$true
`$configuration.TestResult.OutputFormat = 'NUnitXml'
`$configuration.TestResult.OutputPath = '$($results -replace "'", "''")'
Invoke-Pester -Configuration `$configuration
"@
            $environment = @{
                SYNCENGINE_TEST_MANIFEST = $manifest
                PSModulePath             = $outRoot + [System.IO.Path]::PathSeparator + $env:PSModulePath
            }
            $code = Invoke-ChildPowerShell -PowerShell $testHost -Script $childScript -Environment $environment
            if ($code -ne 0) { throw "Pester reported failures ($code) under $testHost; see $results." }
        }
    }
}

if ($Package) {
    Invoke-Step 'Package' {
        Invoke-Native dotnet (@('pack', $packaging, '--no-build', '-nologo', '-v', 'minimal') + $msbuildProperties)
        $nupkg = Join-Path $outRoot "SyncEngine.$packageVersion.nupkg"
        if (-not (Test-Path -LiteralPath $nupkg)) { throw "Packing did not produce $nupkg." }
        Write-Host "    $nupkg (publish with: Publish-PSResource -NupkgPath '$nupkg' -Repository PSGallery -ApiKey <key>)"
    }
}

Write-Host "Done: $layout" -ForegroundColor Green

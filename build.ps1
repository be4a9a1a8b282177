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
      4. -Test: the solution is built (warnings are errors) and the xunit tests run, before the layout step, so the
         layout that the rest checks is made last, from this script's properties.
      5. Test-ModuleManifest on the laid-out manifest, in a child PowerShell.
      6. -Test: the Pester 5 suites in tests/Pester, in a child `-NoProfile -NonInteractive` PowerShell started from
         $PSHOME (never the current process's path: under a dotnet-tool pwsh that is `dotnet`), whose PSModulePath
         starts with out/ and whose SYNCENGINE_TEST_MANIFEST names the laid-out manifest. Pester is an installed
         Pester 5.7.1 or later, else tools/TestTools restores 5.7.1 from the NuGet source. The module is never imported
         into this session, so a rebuild can always replace the DLLs. Then the crash harness's CI run.
      7. -Package: the nuspec is written from the laid-out manifest (Import-PowerShellDataFile; New-ModuleNuspec in
         tools/SyncEngine.Build.psm1), then dotnet pack tools/SyncEngine.Packaging gives out/SyncEngine.<version>.nupkg
         (module files at the package root, as PowerShellGet v3 packs them) for Publish-PSResource -NupkgPath.
    With -Test the script ends with one line, "N passed, M failed, K skipped", over xunit, Pester and the crash
    harness together, and exits 1 if anything failed.

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
    With -Test, run only the Pester suites (no build, no xunit, no crash harness).

.PARAMETER SkipCrashHarness
    With -Test, leave out the crash harness.

.PARAMETER CrashHarnessArguments
    Arguments for tests/CrashHarness (default: its CI run).

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
    [switch] $SkipUnitTests,
    [switch] $SkipCrashHarness,
    [string[]] $CrashHarnessArguments = @('--ci')
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

# Child PowerShells, Pester, test counts: tools/SyncEngine.Build.psm1 (tested by tests/Pester/Build.Tests.ps1).
Import-Module (Join-Path $repo 'tools/SyncEngine.Build.psm1') -Force

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

$solution = Join-Path $repo 'SyncEngine.PowerShell.sln'
$testResults = Join-Path $outRoot 'TestResults'
# name -> @{ Passed; Failed; Skipped }, printed as one summary line at the end.
$suites = [ordered]@{}

if ($Test -and -not $SkipUnitTests) {
    # Before the layout step: the PowerShell test project lays out the module too (as a build-order reference), so
    # the layout that the manifest check, Pester and the package use is made last, from the same properties.
    Invoke-Step 'Build (warnings are errors)' {
        Invoke-Native dotnet (@('build', $solution, '-c', $Configuration, '-nologo', '-v', 'minimal', '-warnaserror') + $msbuildProperties)
    }
    Invoke-Step 'xunit tests' {
        $xunitResults = Join-Path $testResults 'xunit'
        if (Test-Path -LiteralPath $xunitResults) { Remove-Item -LiteralPath $xunitResults -Recurse -Force }
        & dotnet (@('test', $solution, '-c', $Configuration, '--no-build', '-nologo', '-v', 'minimal', '--logger', 'trx',
                '--results-directory', $xunitResults) + $msbuildProperties +
                @('--', 'RunConfiguration.TestSessionTimeout=1500000')) | Out-Host
        $exit = $LASTEXITCODE
        $count = Get-TrxCount -Folder $xunitResults
        if ($exit -ne 0 -and $count.Failed -eq 0) { $count.Failed = 1; Write-Host "    dotnet test exited with $exit." }
        $script:suites['xunit'] = $count
    }
}

Invoke-Step "Layout out/SyncEngine/$version" {
    Invoke-Native dotnet (@('build', $packaging, '-nologo', '-v', 'minimal') + $msbuildProperties)
    if (-not (Test-Path -LiteralPath $manifest)) { throw "The build did not lay out $manifest." }
    # What is tested from here on, and what the package must hold.
    $script:layoutHash = Get-FolderHash -Path $layout
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
    $pester = Get-PesterManifest -Repository $repo
    $hosts = if ($TestPowerShell) { $TestPowerShell } else { @(Get-CurrentPowerShell) }
    # Suites that run in a PowerShell of their own: S3.Tests.ps1 fails with MissingMethodException in
    # AmazonS3Client's constructor when earlier suites ran in the same process (cause not found yet; alone it passes).
    $isolated = @(Join-Path $repo 'tests/Pester/S3.Tests.ps1')
    $groups = @(@{ Suffix = ''; Path = @(Join-Path $repo 'tests/Pester'); Exclude = $isolated })
    foreach ($file in $isolated) {
        $groups += @{ Suffix = '-' + [System.IO.Path]::GetFileNameWithoutExtension($file); Path = @($file); Exclude = @() }
    }
    foreach ($testHost in $hosts) {
      foreach ($group in $groups) {
        $hostName = [System.IO.Path]::GetFileNameWithoutExtension($testHost) + $group.Suffix
        Invoke-Step "Pester suites ($testHost$($group.Suffix))" {
            $results = Join-Path $testResults ('Pester-{0}.xml' -f $hostName)
            $counts = Join-Path $testResults ('Pester-{0}.json' -f $hostName)
            $runPaths = ($group.Path | ForEach-Object { "'" + ($_ -replace "'", "''") + "'" }) -join ', '
            $excludePaths = ($group.Exclude | ForEach-Object { "'" + ($_ -replace "'", "''") + "'" }) -join ', '
            $excludeLine = if ($group.Exclude.Count -gt 0) { "`$configuration.Run.ExcludePath = @($excludePaths)" } else { '' }
            New-Item -ItemType Directory -Path $testResults -Force | Out-Null
            Remove-Item -LiteralPath $counts -Force -ErrorAction SilentlyContinue
            $childScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($pester -replace "'", "''")'
`$configuration = New-PesterConfiguration
`$configuration.Run.Path = @($runPaths)
$excludeLine
`$configuration.Run.PassThru = `$true
`$configuration.Output.Verbosity = 'Detailed'
`$configuration.Output.RenderMode = '$(if ([Console]::IsOutputRedirected) { 'Plaintext' } else { 'Auto' })'
`$configuration.TestResult.Enabled = `$true
`$configuration.TestResult.OutputFormat = 'NUnitXml'
`$configuration.TestResult.OutputPath = '$($results -replace "'", "''")'
`$run = Invoke-Pester -Configuration `$configuration
`$failed = `$run.FailedCount + `$run.FailedBlocksCount + `$run.FailedContainersCount
@{ Passed = `$run.PassedCount; Failed = `$failed; Skipped = `$run.SkippedCount + `$run.NotRunCount } |
    ConvertTo-Json | Set-Content -LiteralPath '$($counts -replace "'", "''")' -Encoding UTF8
exit ([int](`$failed -gt 0))
"@
            $environment = @{
                SYNCENGINE_TEST_MANIFEST = $manifest
                PSModulePath             = $outRoot + [System.IO.Path]::PathSeparator + $env:PSModulePath
            }
            $code = Invoke-ChildPowerShell -PowerShell $testHost -Script $childScript -Environment $environment
            $count = [ordered]@{ Passed = 0; Failed = 1; Skipped = 0 }
            if (Test-Path -LiteralPath $counts) {
                $read = Get-Content -Raw -LiteralPath $counts | ConvertFrom-Json
                $count = [ordered]@{ Passed = [int]$read.Passed; Failed = [int]$read.Failed; Skipped = [int]$read.Skipped }
                if ($code -ne 0 -and $count.Failed -eq 0) { $count.Failed = 1 }
            }
            else { Write-Host "    Pester did not finish (exit code $code); counted as one failure." }
            Write-Host ('    Pester ({0}): {1} passed, {2} failed, {3} skipped; results in {4}' -f $hostName, $count.Passed, $count.Failed, $count.Skipped, $results)
            $script:suites["Pester ($hostName)"] = $count
        }
      }
    }

    if (-not $SkipCrashHarness -and -not $SkipUnitTests) {
        Invoke-Step 'Crash harness (SIGKILL during sync; CI seeds)' {
            $harness = Join-Path $repo 'tests/CrashHarness/CrashHarness.csproj'
            & dotnet (@('run', '--project', $harness, '--no-build', '-c', $Configuration, '--') + $CrashHarnessArguments) | Out-Host
            $ok = $LASTEXITCODE -eq 0
            $script:suites['crash harness'] = [ordered]@{ Passed = [int]$ok; Failed = [int](-not $ok); Skipped = 0 }
        }
    }
}

if ($Package) {
    Invoke-Step 'Package' {
        $nuspec = Join-Path $repo 'tools/SyncEngine.Packaging/obj/module-package/SyncEngine.nuspec'
        New-ModuleNuspec -Manifest $manifest -Layout $layout -OutFile $nuspec
        Invoke-Native dotnet (@('pack', $packaging, '--no-build', '-nologo', '-v', 'minimal', "-p:NuspecFile=$nuspec") + $msbuildProperties)
        $nupkg = Join-Path $outRoot "SyncEngine.$packageVersion.nupkg"
        if (-not (Test-Path -LiteralPath $nupkg)) { throw "Packing did not produce $nupkg." }
        $differences = @(Compare-PackageWithLayout -Package $nupkg -LayoutHash $layoutHash)
        if ($differences.Count -gt 0) { throw "The package is not the layout that was checked:`n  $($differences -join "`n  ")" }
        Write-Host "    The package holds exactly the $($layoutHash.Count) files of the layout that was checked."
        Write-Host "    $nupkg (publish with: Publish-PSResource -NupkgPath '$nupkg' -Repository PSGallery -ApiKey <key>)"
    }
}

if ($Test) {
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($name in $suites.Keys) {
        $passed += $suites[$name].Passed; $failed += $suites[$name].Failed; $skipped += $suites[$name].Skipped
        Write-Host ('  {0,-20} {1,6} passed {2,4} failed {3,4} skipped' -f $name, $suites[$name].Passed, $suites[$name].Failed, $suites[$name].Skipped)
    }
    Write-Host ('{0} passed, {1} failed, {2} skipped' -f $passed, $failed, $skipped)
    if ($failed -gt 0) {
        Write-Host 'Tests failed.' -ForegroundColor Red
        exit 1
    }
}

Write-Host "Done: $layout" -ForegroundColor Green

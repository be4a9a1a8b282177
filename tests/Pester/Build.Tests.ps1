# build.ps1's helpers (tools/SyncEngine.Build.psm1), in the real PowerShell that runs the suites: child PowerShells
# are started from $PSHOME (under a dotnet-tool pwsh the current process is `dotnet`), their records are not doubled
# as CLIXML on a redirected stderr, and the package check notices a layout that changed after it was tested.
BeforeAll {
    $script:buildModule = Join-Path $PSScriptRoot '../../tools/SyncEngine.Build.psm1'
    Import-Module $script:buildModule -Force
}

AfterAll {
    Remove-Module SyncEngine.Build -ErrorAction SilentlyContinue
}

Describe 'Get-CurrentPowerShell' {
    It 'names a PowerShell executable in $PSHOME, not the process that hosts this one' {
        $path = Get-CurrentPowerShell
        Split-Path -Parent $path | Should -Be $PSHOME
        [System.IO.Path]::GetFileNameWithoutExtension($path) | Should -BeIn @('pwsh', 'powershell')
    }

    It 'starts a child PowerShell of the same version' {
        $version = & (Get-CurrentPowerShell) -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()'
        $LASTEXITCODE | Should -Be 0
        $version | Should -Be $PSVersionTable.PSVersion.ToString()
    }
}

Describe 'Invoke-ChildPowerShell' {
    BeforeAll {
        $script:work = Join-Path ([System.IO.Path]::GetTempPath()) ("se-build-" + [guid]::NewGuid().ToString('n'))
        New-Item -ItemType Directory -Path $script:work | Out-Null
    }
    AfterAll { Remove-Item -LiteralPath $script:work -Recurse -Force -ErrorAction SilentlyContinue }

    It 'passes the environment and returns the exit code' {
        $code = Invoke-ChildPowerShell -PowerShell (Get-CurrentPowerShell) -Environment @{ SE_BUILD_TEST = 'seven' } `
            -Script 'if ($env:SE_BUILD_TEST -eq "seven") { exit 7 } else { exit 1 }'
        $code | Should -Be 7
        $env:SE_BUILD_TEST | Should -BeNullOrEmpty
    }

    It 'writes each record once, with no CLIXML on a redirected stderr' {
        # A parent PowerShell whose output and error streams go to files, as in CI.
        $driver = Join-Path $script:work 'driver.ps1'
        $child = 'Write-Information "info-marker" -InformationAction Continue; Write-Warning "warning-marker"; ' +
                 '[Console]::Error.WriteLine("stderr-marker"); "output-marker"'
        Set-Content -LiteralPath $driver -Encoding UTF8 -Value @"
Import-Module '$($script:buildModule -replace "'", "''")'
exit (Invoke-ChildPowerShell -PowerShell (Get-CurrentPowerShell) -Script '$($child -replace "'", "''")')
"@
        $out = Join-Path $script:work 'out.txt'
        $err = Join-Path $script:work 'err.txt'
        $process = Start-Process -FilePath (Get-CurrentPowerShell) -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $driver) `
            -RedirectStandardOutput $out -RedirectStandardError $err -Wait -PassThru
        $process.ExitCode | Should -Be 0
        $all = (Get-Content -Raw -LiteralPath $out) + (Get-Content -Raw -LiteralPath $err)
        $all | Should -Not -Match 'CLIXML'
        foreach ($marker in 'info-marker', 'warning-marker', 'stderr-marker', 'output-marker') {
            ([regex]::Matches($all, $marker)).Count | Should -Be 1 -Because "$marker is written once"
        }
    }
}

Describe 'Compare-PackageWithLayout' {
    BeforeAll {
        $script:work = Join-Path ([System.IO.Path]::GetTempPath()) ("se-pack-" + [guid]::NewGuid().ToString('n'))
        $script:layout = Join-Path $script:work 'layout'
        New-Item -ItemType Directory -Path (Join-Path $script:layout 'en-US') -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $script:layout 'Module.psd1') -Value '@{ ModuleVersion = "1.0" }'
        Set-Content -LiteralPath (Join-Path $script:layout 'en-US/about_Module.help.txt') -Value 'about'
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $script:package = Join-Path $script:work 'Module.1.0.nupkg'
        [System.IO.Compression.ZipFile]::CreateFromDirectory($script:layout, $script:package)
    }
    AfterAll { Remove-Item -LiteralPath $script:work -Recurse -Force -ErrorAction SilentlyContinue }

    It 'finds nothing when the package holds the tested layout' {
        $hash = Get-FolderHash -Path $script:layout
        $hash.Count | Should -Be 2
        @(Compare-PackageWithLayout -Package $script:package -LayoutHash $hash).Count | Should -Be 0
    }

    It 'names a file that changed after it was tested, and one that is missing' {
        $hash = Get-FolderHash -Path $script:layout
        $hash['Module.psd1'] = 'not the packaged content'
        $hash['dependencies/Extra.dll'] = 'tested but not packed'
        $differences = Compare-PackageWithLayout -Package $script:package -LayoutHash $hash
        $differences | Should -Contain 'Module.psd1 differs from the tested layout'
        $differences | Should -Contain 'dependencies/Extra.dll was tested but is not in the package'
    }
}

Describe 'Get-TrxCount' {
    BeforeAll {
        $script:trxFolder = Join-Path ([System.IO.Path]::GetTempPath()) ("se-trx-" + [guid]::NewGuid().ToString('n'))
        New-Item -ItemType Directory -Path $script:trxFolder | Out-Null
        # The shape the VSTest trx logger writes for an xunit run with two skipped tests: the counters say
        # notExecuted="0", the skipped results have outcome NotExecuted.
        Set-Content -LiteralPath (Join-Path $script:trxFolder 'run.trx') -Value @'
<?xml version="1.0" encoding="utf-8"?>
<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
    <UnitTestResult testName="a" outcome="Passed" />
    <UnitTestResult testName="b" outcome="Failed" />
    <UnitTestResult testName="c" outcome="NotExecuted" />
    <UnitTestResult testName="d" outcome="NotExecuted" />
  </Results>
  <TestDefinitions><UnitTest name="a" storage="/x/Some.Tests.dll" /></TestDefinitions>
  <ResultSummary outcome="Failed">
    <Counters total="4" executed="2" passed="1" failed="1" error="0" timeout="0" aborted="0" notExecuted="0" />
  </ResultSummary>
</TestRun>
'@
    }
    AfterAll { Remove-Item -LiteralPath $script:trxFolder -Recurse -Force -ErrorAction SilentlyContinue }

    It 'counts skipped xunit tests, which the trx counters leave out' {
        $count = Get-TrxCount -Folder $script:trxFolder 6>$null
        $count.Passed | Should -Be 1
        $count.Failed | Should -Be 1
        $count.Skipped | Should -Be 2
    }
}

Describe 'New-ModuleNuspec' {
    BeforeAll {
        $script:work = Join-Path ([System.IO.Path]::GetTempPath()) ("se-nuspec-" + [guid]::NewGuid().ToString('n'))
        $script:layout = Join-Path $script:work 'My'
        New-Item -ItemType Directory -Path (Join-Path $script:layout 'dependencies'), (Join-Path $script:layout 'en-US') -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $script:layout 'dependencies/X.dll') -Value 'x'
        Set-Content -LiteralPath (Join-Path $script:layout 'en-US/My.dll-Help.xml') -Value '<helpItems />'
        $script:manifest = Join-Path $script:layout 'My.psd1'
        Set-Content -LiteralPath $script:manifest -Value @'
@{
    ModuleVersion = '2.0.1'
    Author = 'Me'
    CompanyName = 'Us'
    Copyright = '(c) Us'
    Description = 'Does things.'
    CompatiblePSEditions = @('Desktop', 'Core')
    CmdletsToExport = @('Get-A', 'Set-B')
    FunctionsToExport = @()
    PrivateData = @{ PSData = @{
        Tags = @('Sync', 'PSEdition_Core')
        ProjectUri = 'https://example.com/p'
        LicenseUri = 'https://example.com/l'
        ReleaseNotes = 'Notes'
        Prerelease = 'beta2'
    } }
}
'@
        function Read-Nuspec([string] $Path) {
            $xml = [xml](Get-Content -Raw -LiteralPath $Path)
            $ns = New-Object System.Xml.XmlNamespaceManager $xml.NameTable
            $ns.AddNamespace('n', 'http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd')
            [pscustomobject]@{ Xml = $xml; Ns = $ns }
        }
    }
    AfterAll { Remove-Item -LiteralPath $script:work -Recurse -Force -ErrorAction SilentlyContinue }

    It 'carries the manifest''s Gallery metadata and tags, and exactly the layout''s files' {
        $out = Join-Path $script:work 'My.nuspec'
        New-ModuleNuspec -Manifest $script:manifest -Layout $script:layout -OutFile $out
        $nuspec = Read-Nuspec $out
        function Value([string] $Name) { $nuspec.Xml.SelectSingleNode("/n:package/n:metadata/n:$Name", $nuspec.Ns).InnerText }
        Value 'id' | Should -Be 'My'
        Value 'version' | Should -Be '2.0.1-beta2'
        Value 'authors' | Should -Be 'Me'
        Value 'owners' | Should -Be 'Us'
        Value 'description' | Should -Be 'Does things.'
        Value 'projectUrl' | Should -Be 'https://example.com/p'
        Value 'licenseUrl' | Should -Be 'https://example.com/l'
        Value 'releaseNotes' | Should -Be 'Notes'
        Value 'copyright' | Should -Be '(c) Us'
        Value 'tags' | Should -Be 'PSModule Sync PSEdition_Core PSEdition_Desktop PSIncludes_Cmdlet PSCmdlet_Get-A PSCommand_Get-A PSCmdlet_Set-B PSCommand_Set-B'
        $files = @($nuspec.Xml.SelectNodes('/n:package/n:files/n:file', $nuspec.Ns) | ForEach-Object { '{0}>{1}' -f $_.src, $_.target })
        ($files -join ',') | Should -Be 'My.psd1>My.psd1,dependencies/X.dll>dependencies/X.dll,en-US/My.dll-Help.xml>en-US/My.dll-Help.xml'
    }

    It 'refuses a manifest without a Description, naming it' {
        $bare = Join-Path $script:work 'Bare.psd1'
        Set-Content -LiteralPath $bare -Value "@{ ModuleVersion = '1.0.0'; Author = 'Me' }"
        { New-ModuleNuspec -Manifest $bare -Layout $script:layout -OutFile (Join-Path $script:work 'Bare.nuspec') } | Should -Throw '*Description*'
    }

    It 'describes the laid-out SyncEngine: its version, a tag for each exported cmdlet and every file' -Skip:([string]::IsNullOrEmpty($env:SYNCENGINE_TEST_MANIFEST)) {
        $manifest = $env:SYNCENGINE_TEST_MANIFEST
        $layout = Split-Path -Parent $manifest
        $out = Join-Path $script:work 'SyncEngine.nuspec'
        New-ModuleNuspec -Manifest $manifest -Layout $layout -OutFile $out
        $nuspec = Read-Nuspec $out
        $info = Test-ModuleManifest -Path $manifest
        $nuspec.Xml.SelectSingleNode('/n:package/n:metadata/n:version', $nuspec.Ns).InnerText | Should -Be $info.Version.ToString()
        $tags = $nuspec.Xml.SelectSingleNode('/n:package/n:metadata/n:tags', $nuspec.Ns).InnerText -split ' '
        $info.ExportedCmdlets.Count | Should -Be 9
        foreach ($cmdlet in $info.ExportedCmdlets.Keys) {
            $tags | Should -Contain "PSCmdlet_$cmdlet"
            $tags | Should -Contain "PSCommand_$cmdlet"
        }
        $files = @($nuspec.Xml.SelectNodes('/n:package/n:files/n:file', $nuspec.Ns) | ForEach-Object src)
        foreach ($file in 'SyncEngine.psd1', 'LICENSE', 'en-US/SyncEngine.PowerShell.dll-Help.xml', 'en-US/about_SyncEngine.help.txt') {
            $files | Should -Contain $file
        }
        $files.Count | Should -Be (Get-FolderHash -Path $layout).Count
    }
}

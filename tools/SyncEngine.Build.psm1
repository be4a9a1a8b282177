# Helpers of build.ps1 that are worth testing on their own (tests/Pester/Build.Tests.ps1): starting child PowerShells,
# finding Pester, reading test counts, writing the package's nuspec from the manifest, and checking that the package
# holds the layout that was tested.
Set-StrictMode -Version Latest

# The PowerShell that runs this script, as an executable a child process can be started from. Taken from $PSHOME, not
# from the current process: a pwsh installed as a dotnet tool runs under the `dotnet` host.
function Get-CurrentPowerShell {
    $name = if ($PSVersionTable.PSEdition -eq 'Desktop') { 'powershell.exe' }
            elseif ([System.IO.Path]::DirectorySeparatorChar -eq '\') { 'pwsh.exe' }
            else { 'pwsh' }
    $path = Join-Path $PSHOME $name
    if (-not (Test-Path -LiteralPath $path)) { throw "No $name in `$PSHOME ($PSHOME): cannot start a child PowerShell." }
    $path
}

# Runs a script in a child PowerShell with the given environment added; returns its exit code. The script goes
# through a temporary .ps1 and -File: -EncodedCommand makes the child repeat every record as CLIXML on stderr.
function Invoke-ChildPowerShell {
    param([string] $PowerShell, [string] $Script, [hashtable] $Environment = @{})
    $saved = @{}
    foreach ($key in $Environment.Keys) {
        $saved[$key] = [Environment]::GetEnvironmentVariable($key)
        [Environment]::SetEnvironmentVariable($key, $Environment[$key])
    }
    $scriptFile = Join-Path ([System.IO.Path]::GetTempPath()) ("syncengine-build-{0}.ps1" -f [guid]::NewGuid().ToString('n'))
    try {
        # UTF-8 with BOM, so Windows PowerShell 5.1 reads non-ASCII paths right.
        [System.IO.File]::WriteAllText($scriptFile, $Script, (New-Object System.Text.UTF8Encoding $true))
        & $PowerShell -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $scriptFile | Out-Host
        $LASTEXITCODE
    }
    finally {
        Remove-Item -LiteralPath $scriptFile -Force -ErrorAction SilentlyContinue
        foreach ($key in $saved.Keys) { [Environment]::SetEnvironmentVariable($key, $saved[$key]) }
    }
}

# Pester 5 from tools/TestTools (restored there from the NuGet source on first use), unless one is installed.
function Get-PesterManifest {
    param([Parameter(Mandatory)] [string] $Repository)
    $installed = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]'5.7.1' } |
        Sort-Object Version -Descending | Select-Object -First 1
    if ($null -ne $installed) { return $installed.Path }
    $manifestPath = Join-Path $Repository 'tools/TestTools/packages/pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path -LiteralPath $manifestPath)) {
        Invoke-Native dotnet @('restore', (Join-Path $Repository 'tools/TestTools/TestTools.csproj'), '-nologo', '-v', 'quiet')
    }
    if (-not (Test-Path -LiteralPath $manifestPath)) { throw "Restoring tools/TestTools did not give $manifestPath." }
    $manifestPath
}

# Counts of one xunit run from its .trx files.
function Get-TrxCount {
    param([string] $Folder)
    $count = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($trx in Get-ChildItem -LiteralPath $Folder -Filter *.trx -ErrorAction SilentlyContinue) {
        $doc = [xml](Get-Content -Raw -LiteralPath $trx.FullName)
        $counters = $doc.TestRun.ResultSummary.Counters
        $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        # The VSTest logger leaves notExecuted at 0 for skipped xunit tests: they are the results whose outcome is
        # NotExecuted (the total minus what was executed).
        $skipped = @($doc.TestRun.Results.UnitTestResult | Where-Object { $_.outcome -eq 'NotExecuted' }).Count
        $skipped = [Math]::Max($skipped, [Math]::Max([int]$counters.notExecuted, [int]$counters.total - [int]$counters.executed))
        $count.Passed += [int]$counters.passed
        $count.Failed += $failed
        $count.Skipped += $skipped
        $storage = @($doc.TestRun.TestDefinitions.UnitTest)[0].storage
        $name = if ($storage) { [System.IO.Path]::GetFileNameWithoutExtension($storage) } else { $trx.BaseName }
        Write-Host ('    {0}: {1} passed, {2} failed, {3} skipped' -f $name, $counters.passed, $failed, $skipped)
    }
    $count
}

# SHA-256 of every file of a folder, keyed by its path relative to the folder with '/' separators.
function Get-FolderHash {
    param([Parameter(Mandatory)] [string] $Path)
    $root = (Resolve-Path -LiteralPath $Path).ProviderPath.TrimEnd([char[]]@('/', '\'))
    $hashes = @{}
    foreach ($file in Get-ChildItem -LiteralPath $root -Recurse -File) {
        $relative = $file.FullName.Substring($root.Length + 1).Replace('\', '/')
        $hashes[$relative] = (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash
    }
    $hashes
}

# The files of a package that differ from, or are missing in, a layout's recorded hashes (NuGet's own files aside).
# Empty when the package holds exactly the layout that was tested.
function Compare-PackageWithLayout {
    param([Parameter(Mandatory)] [string] $Package, [Parameter(Mandatory)] [hashtable] $LayoutHash)
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $zip = [System.IO.Compression.ZipFile]::OpenRead($Package)
    $differences = New-Object System.Collections.Generic.List[string]
    $seen = @{}
    try {
        foreach ($entry in $zip.Entries) {
            $name = [Uri]::UnescapeDataString($entry.FullName)
            if ($name -match '^(_rels/|package/|\[Content_Types\]\.xml$)' -or $name -like '*.nuspec' -or $name.EndsWith('/')) { continue }
            $seen[$name] = $true
            if (-not $LayoutHash.ContainsKey($name)) { $differences.Add("$name is in the package but was not in the tested layout"); continue }
            $stream = $entry.Open()
            try {
                $sha = [System.Security.Cryptography.SHA256]::Create()
                $hash = -join ($sha.ComputeHash($stream) | ForEach-Object { $_.ToString('X2') })
                $sha.Dispose()
            }
            finally { $stream.Dispose() }
            if ($hash -ne $LayoutHash[$name]) { $differences.Add("$name differs from the tested layout") }
        }
    }
    finally { $zip.Dispose() }
    foreach ($name in $LayoutHash.Keys) {
        if (-not $seen.ContainsKey($name)) { $differences.Add("$name was tested but is not in the package") }
    }
    $differences.ToArray()
}

# The PowerShell Gallery tags of a module manifest (as Import-PowerShellDataFile reads it): PSData.Tags, then the
# tags PowerShellGet adds (PSEdition_*, PSIncludes_Cmdlet/Function, PSCmdlet_/PSFunction_ and PSCommand_ per command).
function Get-ModuleGalleryTag {
    param([Parameter(Mandatory)] [hashtable] $Manifest)
    $psData = Get-ModulePSData -Manifest $Manifest
    $cmdlets = @($Manifest['CmdletsToExport'] | Where-Object { $_ })
    $functions = @($Manifest['FunctionsToExport'] | Where-Object { $_ })
    $tags = @('PSModule') + @($psData['Tags'] | Where-Object { $_ })
    $tags += @($Manifest['CompatiblePSEditions'] | Where-Object { $_ } | ForEach-Object { "PSEdition_$_" })
    if ($cmdlets.Count -gt 0) { $tags += 'PSIncludes_Cmdlet' }
    if ($functions.Count -gt 0) { $tags += 'PSIncludes_Function' }
    foreach ($cmdlet in $cmdlets) { $tags += "PSCmdlet_$cmdlet", "PSCommand_$cmdlet" }
    foreach ($function in $functions) { $tags += "PSFunction_$function", "PSCommand_$function" }
    $seen = New-Object 'System.Collections.Generic.HashSet[string]' ([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($tag in $tags) {
        if ($tag -match '\s') { throw "The tag '$tag' contains a space; Gallery tags are separated by spaces." }
        if ($seen.Add($tag)) { $tag }
    }
}

# The .nuspec of a module's PowerShell Gallery package, the way PowerShellGet v3 (PSResourceGet) packs a module: every
# file of the layout at the package root, the metadata from the manifest (read with Import-PowerShellDataFile), the
# version ModuleVersion plus "-Prerelease" when PSData has one, and the Gallery's tags. Writes it to -OutFile.
function New-ModuleNuspec {
    param([Parameter(Mandatory)] [string] $Manifest, [Parameter(Mandatory)] [string] $Layout, [Parameter(Mandatory)] [string] $OutFile)
    $data = Import-PowerShellDataFile -LiteralPath $Manifest
    $psData = Get-ModulePSData -Manifest $data
    foreach ($key in 'ModuleVersion', 'Author', 'Description') {
        if (-not $data[$key]) { throw "$Manifest has no $key; the Gallery needs it." }
    }
    $version = [string]$data['ModuleVersion']
    if ($psData['Prerelease']) { $version += '-' + $psData['Prerelease'] }
    $root = (Resolve-Path -LiteralPath $Layout).ProviderPath.TrimEnd([char[]]@('/', '\'))
    [string[]] $files = @(Get-ChildItem -LiteralPath $root -Recurse -File | ForEach-Object { $_.FullName.Substring($root.Length + 1).Replace('\', '/') })
    [System.Array]::Sort($files, [System.StringComparer]::Ordinal)

    $ns = 'http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd'
    $settings = New-Object System.Xml.XmlWriterSettings
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.NewLineChars = "`n"
    $settings.Encoding = New-Object System.Text.UTF8Encoding $false
    $path = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutFile)
    $parent = Split-Path -Parent $path
    if (-not (Test-Path -LiteralPath $parent)) { New-Item -ItemType Directory -Path $parent -Force | Out-Null }
    $x = [System.Xml.XmlWriter]::Create($path, $settings)
    try {
        $x.WriteStartDocument()
        $x.WriteStartElement('package', $ns)
        $x.WriteStartElement('metadata', $ns)
        $elements = [ordered]@{
            id                       = [System.IO.Path]::GetFileNameWithoutExtension($Manifest)
            version                  = $version
            authors                  = $data['Author']
            owners                   = $(if ($data['CompanyName']) { $data['CompanyName'] } else { $data['Author'] })
            requireLicenseAcceptance = 'false'
            licenseUrl               = $psData['LicenseUri']
            projectUrl               = $psData['ProjectUri']
            iconUrl                  = $psData['IconUri']
            description              = $data['Description']
            releaseNotes             = $psData['ReleaseNotes']
            copyright                = $data['Copyright']
            tags                     = (@(Get-ModuleGalleryTag -Manifest $data) -join ' ')
        }
        foreach ($name in $elements.Keys) {
            if ($elements[$name]) { $x.WriteElementString($name, $ns, [string]$elements[$name]) }
        }
        $x.WriteEndElement()
        $x.WriteStartElement('files', $ns)
        foreach ($file in $files) {
            $x.WriteStartElement('file', $ns)
            $x.WriteAttributeString('src', $file)
            $x.WriteAttributeString('target', $file)
            $x.WriteEndElement()
        }
        $x.WriteEndElement()
        $x.WriteEndElement()
        $x.WriteEndDocument()
    }
    finally { $x.Dispose() }
    [System.IO.File]::AppendAllText($path, "`n")
}

function Get-ModulePSData {
    param([hashtable] $Manifest)
    $privateData = $Manifest['PrivateData']
    if ($privateData -is [hashtable] -and $privateData['PSData'] -is [hashtable]) { $privateData['PSData'] } else { @{} }
}

Export-ModuleMember -Function Get-CurrentPowerShell, Invoke-ChildPowerShell, Get-PesterManifest, Get-TrxCount, Get-FolderHash, Compare-PackageWithLayout, Get-ModuleGalleryTag, New-ModuleNuspec

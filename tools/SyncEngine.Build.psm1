# Helpers of build.ps1 that are worth testing on their own (tests/Pester/Build.Tests.ps1): starting child PowerShells,
# finding Pester, reading test counts, and checking that the package holds the layout that was tested.
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
        $count.Passed += [int]$counters.passed
        $count.Failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $count.Skipped += [int]$counters.notExecuted
        $storage = @($doc.TestRun.TestDefinitions.UnitTest)[0].storage
        $name = if ($storage) { [System.IO.Path]::GetFileNameWithoutExtension($storage) } else { $trx.BaseName }
        Write-Host ('    {0}: {1} passed, {2} failed, {3} skipped' -f $name, $counters.passed, $counters.failed, $counters.notExecuted)
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

Export-ModuleMember -Function Get-CurrentPowerShell, Invoke-ChildPowerShell, Get-PesterManifest, Get-TrxCount, Get-FolderHash, Compare-PackageWithLayout

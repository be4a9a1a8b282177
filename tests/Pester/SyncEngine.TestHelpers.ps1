# Shared helpers for the SyncEngine Pester suites. Dot-source it in BeforeAll:
#
#     BeforeAll { . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1') }
#
# The suites always run against the built layout (out/SyncEngine/<version>/), in a child PowerShell started by
# build.ps1 -Test, which passes the manifest's path in SYNCENGINE_TEST_MANIFEST (a loaded DLL cannot be replaced, so
# the session that builds never imports the module). Every suite keeps pair state under TestDrive through
# SYNCENGINE_STATE_HOME, so nothing touches the user's own state folder.

$ErrorActionPreference = 'Stop'

$script:OnWindows = [System.IO.Path]::DirectorySeparatorChar -eq '\'

function Get-SyncEngineTestManifest {
    $manifest = $env:SYNCENGINE_TEST_MANIFEST
    if ([string]::IsNullOrEmpty($manifest)) {
        throw 'SYNCENGINE_TEST_MANIFEST is not set. Run the suites with ./build.ps1 -Test, which lays out out/SyncEngine/<version>/ and passes its SyncEngine.psd1.'
    }
    if (-not (Test-Path -LiteralPath $manifest -PathType Leaf)) {
        throw "SYNCENGINE_TEST_MANIFEST points to '$manifest', which does not exist. Run ./build.ps1 first."
    }
    (Resolve-Path -LiteralPath $manifest).ProviderPath
}

function Import-SyncEngineUnderTest {
    $manifest = Get-SyncEngineTestManifest
    Import-Module $manifest -Force -ErrorAction Stop
    $module = Get-Module SyncEngine
    if ($null -eq $module) { throw "Importing $manifest did not load the SyncEngine module." }
    $module
}

# A state root of the suite's own under TestDrive; pairs made without -StatePath keep their state there.
function Use-TestStateHome {
    $stateHome = Join-Path $TestDrive ('state-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $stateHome -Force | Out-Null
    $env:SYNCENGINE_STATE_HOME = $stateHome
    $stateHome
}

function New-TestFolder {
    param([string] $Name = 'folder')
    $path = Join-Path $TestDrive ('{0}-{1}' -f $Name, [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $path -Force | Out-Null
    (Resolve-Path -LiteralPath $path).ProviderPath
}

# Source, destination and state folders for one test.
function New-TestPairFolders {
    $base = New-TestFolder -Name 'pair'
    $folders = [pscustomobject]@{
        Source      = Join-Path $base 'source'
        Destination = Join-Path $base 'destination'
        State       = Join-Path $base 'state'
    }
    New-Item -ItemType Directory -Path $folders.Source, $folders.Destination -Force | Out-Null
    $folders
}

# Writes a file (creating its folders) and optionally sets its modification time.
function Set-TestFile {
    param(
        [Parameter(Mandatory)] [string] $Root,
        [Parameter(Mandatory)] [string] $RelativePath,
        [string] $Content = 'content',
        [Nullable[datetime]] $LastWriteTimeUtc
    )
    $full = Join-Path $Root ($RelativePath -replace '/', [System.IO.Path]::DirectorySeparatorChar)
    $parent = Split-Path -Parent $full
    if (-not (Test-Path -LiteralPath $parent)) { New-Item -ItemType Directory -Path $parent -Force | Out-Null }
    [System.IO.File]::WriteAllText($full, $Content)
    if ($null -ne $LastWriteTimeUtc) { [System.IO.File]::SetLastWriteTimeUtc($full, [datetime]$LastWriteTimeUtc) }
    $full
}

function Get-TestFileContent {
    param([string] $Root, [string] $RelativePath)
    [System.IO.File]::ReadAllText((Join-Path $Root ($RelativePath -replace '/', [System.IO.Path]::DirectorySeparatorChar)))
}

# The files under a root as sorted '/'-separated relative paths, without the engine's .syncengine folder.
function Get-TestTree {
    param([Parameter(Mandatory)] [string] $Root)
    $rootPath = (Resolve-Path -LiteralPath $Root).ProviderPath.TrimEnd('\', '/')
    $files = @(Get-ChildItem -LiteralPath $rootPath -Recurse -File -Force | ForEach-Object {
            $_.FullName.Substring($rootPath.Length + 1) -replace '\\', '/'
        } | Where-Object { $_ -notlike '.syncengine/*' } | Sort-Object)
    , $files
}

# Many files, for runs that must still be going when a test pauses or stops them.
function New-TestWorkload {
    param([Parameter(Mandatory)] [string] $Root, [int] $Count = 1500, [int] $Size = 65536)
    $bytes = New-Object byte[] $Size
    (New-Object System.Random 42).NextBytes($bytes)
    for ($i = 0; $i -lt $Count; $i++) {
        $folder = Join-Path $Root ('batch{0:d2}' -f ($i % 20))
        if (-not (Test-Path -LiteralPath $folder)) { New-Item -ItemType Directory -Path $folder -Force | Out-Null }
        $bytes[0] = [byte]($i % 256)
        $bytes[1] = [byte](($i -shr 8) % 256)
        [System.IO.File]::WriteAllBytes((Join-Path $folder ('file{0:d5}.bin' -f $i)), $bytes)
    }
}

# Polls a condition; returns $true once it holds, $false after the timeout (tests then fail with their own message).
function Wait-TestCondition {
    param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $TimeoutSeconds = 60, [int] $IntervalMilliseconds = 50)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds $IntervalMilliseconds
    }
    [bool](& $Condition)
}

# The PowerShell executable running the suites (pwsh, or powershell.exe on Windows PowerShell).
function Get-TestPowerShellPath {
    [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
}

# Runs a script in a child PowerShell (-NoProfile -NonInteractive) that has the module under test imported.
# Returns exit code, standard output and standard error; kills the child and throws after the timeout, so a prompt
# that blocks fails the test instead of hanging the run.
function Invoke-ChildPowerShell {
    param(
        [Parameter(Mandatory)] [string] $Script,
        [int] $TimeoutSeconds = 300,
        [switch] $NoImport,
        [string[]] $ExtraArguments = @()
    )
    $prelude = if ($NoImport) { '' } else { "Import-Module '$((Get-SyncEngineTestManifest) -replace "'", "''")' -ErrorAction Stop`n" }
    $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($prelude + $Script))
    $info = New-Object System.Diagnostics.ProcessStartInfo
    $info.FileName = Get-TestPowerShellPath
    $arguments = @('-NoProfile', '-NonInteractive') + $ExtraArguments + @('-EncodedCommand', $encoded)
    $info.Arguments = ($arguments | ForEach-Object { if ($_ -match '\s') { '"' + $_ + '"' } else { $_ } }) -join ' '
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $true
    $info.CreateNoWindow = $true
    $process = [System.Diagnostics.Process]::Start($info)
    try {
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill()
            throw "The child PowerShell did not finish within $TimeoutSeconds s (a prompt or a hang): $Script"
        }
        $process.WaitForExit()
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Output   = @($stdout.Result -split '\r?\n' | Where-Object { $_ -ne '' })
            Error    = $stderr.Result
        }
    }
    finally {
        $process.Dispose()
    }
}

# Single-quotes a value for a script passed to a child PowerShell.
function ConvertTo-QuotedArgument {
    param([Parameter(Mandatory)] [string] $Value)
    "'" + ($Value -replace "'", "''") + "'"
}

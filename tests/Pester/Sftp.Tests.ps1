#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# A real sync to sftp:// from the module, against an OpenSSH server this suite starts itself with
# tests/TestSshd/test-sshd.sh (the recipe of tests/SyncEngine.TestSupport/SshdServer.cs, shared with the benchmark
# harness): 127.0.0.1, a free high port, its own config, keys and known_hosts under TestDrive. The system's sshd is
# never touched. Where no server can be started (not Linux, no /usr/sbin/sshd, no bash), every test is skipped and
# says why.

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
    Use-TestStateHome | Out-Null

    $script:SshdSkip = $null
    $script:Sshd = $null
    $script:SshdScript = Join-Path (Split-Path -Parent $PSScriptRoot) 'TestSshd/test-sshd.sh'
    $script:SshdFolder = Join-Path $TestDrive 'sshd'
    if ($script:OnWindows -or -not $IsLinux) {
        $script:SshdSkip = 'the test sshd runs on Linux only'
    } elseif (-not (Test-Path -LiteralPath '/usr/sbin/sshd')) {
        $script:SshdSkip = '/usr/sbin/sshd is not installed (apt-get install -y openssh-server; .ci/run installs it)'
    } elseif ($null -eq (Get-Command bash -ErrorAction SilentlyContinue)) {
        $script:SshdSkip = 'bash is not installed, and tests/TestSshd/test-sshd.sh needs it'
    } else {
        $lines = & bash $script:SshdScript start $script:SshdFolder 2>&1
        if ($LASTEXITCODE -ne 0) {
            $script:SshdSkip = "the test sshd could not be started: $($lines -join ' ')"
        } else {
            $script:Sshd = @{}
            foreach ($line in $lines) {
                $name, $value = "$line" -split '=', 2
                if ($value) { $script:Sshd[$name] = $value }
            }
        }
    }

    # A remote folder (a local path: the server runs here) and its sftp:// form.
    function New-RemoteFolder {
        $path = Join-Path $script:SshdFolder ('roots/' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $path -Force | Out-Null
        $path
    }

    function Get-SftpUrl([string] $Path) {
        'sftp://{0}@{1}:{2}{3}' -f $script:Sshd.SSHD_USER, $script:Sshd.SSHD_HOST, $script:Sshd.SSHD_PORT, $Path
    }
}

AfterAll {
    if ($null -ne $script:Sshd) {
        & bash $script:SshdScript stop $script:SshdFolder | Out-Null
    }
}

Describe 'Sync to sftp:// with a key file' {
    BeforeEach {
        if ($script:SshdSkip) {
            Set-ItResult -Skipped -Because $script:SshdSkip
            return
        }
        $folders = New-TestPairFolders
        $remote = New-RemoteFolder
    }

    It 'copies every file with its modification time, and a second run has nothing to do' {
        $time = [DateTime]::new(2024, 5, 17, 8, 30, 0, [DateTimeKind]::Utc)
        Set-TestFile -Root $folders.Source -RelativePath 'docs/report.txt' -Content 'from source' -LastWriteTimeUtc $time | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'top.txt' -Content 'top' -LastWriteTimeUtc $time.AddDays(-3) | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination (Get-SftpUrl $remote) -Mode SourceToDestination `
            -SftpKeyFile $script:Sshd.SSHD_KEY -SftpKnownHostsFile $script:Sshd.SSHD_KNOWN_HOSTS

        $results = @(Invoke-Sync -Pair $pair -Confirm:$false | Sort-Object RelativePath)

        ($results | ForEach-Object { '{0} {1}' -f $_.Status, $_.RelativePath }) -join ',' |
            Should -Be 'Succeeded docs/report.txt,Succeeded top.txt'
        Get-TestFileContent -Root $remote -RelativePath 'docs/report.txt' | Should -Be 'from source'
        Get-TestFileContent -Root $remote -RelativePath 'top.txt' | Should -Be 'top'
        (Get-Item -LiteralPath (Join-Path $remote 'docs/report.txt')).LastWriteTimeUtc | Should -Be $time
        (Get-Item -LiteralPath (Join-Path $remote 'top.txt')).LastWriteTimeUtc | Should -Be $time.AddDays(-3)
        @(Invoke-Sync -Pair $pair -Confirm:$false).Count | Should -Be 0
    }

    It 'changes nothing on the server with -WhatIf' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' -Content 'new' | Out-Null
        Set-TestFile -Root $remote -RelativePath 'old.txt' -Content 'already there' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination (Get-SftpUrl $remote) -Mode SourceToDestination `
            -StatePath $folders.State -SftpKeyFile $script:Sshd.SSHD_KEY -SftpKnownHostsFile $script:Sshd.SSHD_KNOWN_HOSTS

        $output = Invoke-Sync -Pair $pair -WhatIf

        $output | Should -BeNullOrEmpty
        (Get-TestTree -Root $remote) -join ',' | Should -Be 'old.txt'
        Get-TestFileContent -Root $remote -RelativePath 'old.txt' | Should -Be 'already there'
        Test-Path -LiteralPath (Join-Path $folders.State 'sync_metadata.json') | Should -BeFalse
        @(Get-SyncPlan -Pair $pair).Count | Should -Be 2
    }

    It 'refuses a host key the known_hosts file does not list with SyncSftpHostKeyUnknown, changing nothing' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' -Content 'new' | Out-Null
        $emptyKnownHosts = Join-Path $folders.State 'known_hosts'
        New-Item -ItemType File -Path $emptyKnownHosts -Force | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination (Get-SftpUrl $remote) -Mode SourceToDestination `
            -SftpKeyFile $script:Sshd.SSHD_KEY -SftpKnownHostsFile $emptyKnownHosts

        $err = { Invoke-Sync -Pair $pair -Confirm:$false } | Should -Throw -PassThru

        $err | Should -BeOfType ([System.Management.Automation.ErrorRecord])
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncSftpHostKeyUnknown,*'
        $err.Exception.Message | Should -BeLike '*SHA256:*'
        (Get-TestTree -Root $remote).Count | Should -Be 0
        (Get-Content -LiteralPath $emptyKnownHosts -Raw) | Should -BeNullOrEmpty
    }
}

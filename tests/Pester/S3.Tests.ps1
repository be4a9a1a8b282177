#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# A real sync to s3:// from the module, against a single-node Ceph RGW this suite starts itself with
# tests/TestCeph/test-ceph.sh (../shared/servers/start-ceph.sh, the cluster tests/SyncEngine.TestSupport/CephServer.cs
# starts for the xunit suites): a mon, a memstore OSD and radosgw under TestDrive with their own ceph.conf, on
# 127.0.0.1 and free high ports, stopped and removed at the end. The access key goes in as -Credential (user name =
# access key id, password = secret). Where the cluster cannot be started (not Linux, the Ceph packages or the
# start script missing), every test is skipped and says why.

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
    Use-TestStateHome | Out-Null

    $script:CephSkip = $null
    $script:Ceph = $null
    $script:CephScript = Join-Path (Split-Path -Parent $PSScriptRoot) 'TestCeph/test-ceph.sh'
    $script:CephFolder = Join-Path $TestDrive 'ceph'
    if ($script:OnWindows -or -not $IsLinux) {
        $script:CephSkip = 'the test Ceph cluster runs on Linux only'
    } elseif ($null -eq (Get-Command bash -ErrorAction SilentlyContinue)) {
        $script:CephSkip = 'bash is not installed, and tests/TestCeph/test-ceph.sh needs it'
    } else {
        $lines = & bash $script:CephScript start $script:CephFolder 2>&1
        if ($LASTEXITCODE -ne 0) {
            $script:CephSkip = "the test Ceph cluster could not be started: $($lines -join ' ')"
        } else {
            $script:Ceph = @{}
            foreach ($line in $lines) {
                $name, $value = "$line" -split '=', 2
                if ($value) { $script:Ceph[$name] = $value }
            }
        }
    }

    if ($null -ne $script:Ceph) {
        $script:Secret = $script:Ceph.CEPH_SECRET_KEY
        $script:S3Credential = [pscredential]::new($script:Ceph.CEPH_ACCESS_KEY, (ConvertTo-SecureString $script:Secret -AsPlainText -Force))
        $script:Endpoint = $script:Ceph.CEPH_ENDPOINT
    }

    # One signed request to the test gateway (curl --aws-sigv4 inside test-ceph.sh); the body of the answer.
    function Invoke-TestS3 {
        param([string] $Method, [string] $Path, [string[]] $CurlArgs = @())
        $body = & bash $script:CephScript request $script:CephFolder $Method $Path @CurlArgs 2>&1
        if ($LASTEXITCODE -ne 0) { throw "S3 $Method $Path failed: $($body -join ' ')" }
        $body -join "`n"
    }

    function New-TestBucket {
        $name = 'ps-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
        Invoke-TestS3 PUT "/$name" | Out-Null
        $name
    }

    # The keys in a bucket (sorted), below a prefix when given.
    function Get-TestS3Keys([string] $Bucket, [string] $Prefix = '') {
        [xml] $listing = Invoke-TestS3 GET "/${Bucket}?list-type=2&prefix=$Prefix"
        , @($listing.ListBucketResult.Contents | Where-Object { $_ } | ForEach-Object { $_.Key } | Sort-Object)
    }

    function Get-TestS3Body([string] $Bucket, [string] $Key) { Invoke-TestS3 GET "/$Bucket/$Key" }

    # An object's user metadata (x-amz-meta-*), by a HEAD request.
    function Get-TestS3Metadata([string] $Bucket, [string] $Key) {
        $meta = @{}
        foreach ($line in ((Invoke-TestS3 HEAD "/$Bucket/$Key" @('-I')) -split "`n")) {
            if ($line -match '^x-amz-meta-([^:]+):\s*(.*?)\s*$') { $meta[$Matches[1].ToLowerInvariant()] = $Matches[2] }
        }
        $meta
    }

    # Everything a command writes to any stream, and every file under the given folders, as one text.
    function Get-AllText([object[]] $Output, [string[]] $Folders) {
        $parts = @($Output | ForEach-Object {
                if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.ToString(); $_.Exception.ToString(); $_.FullyQualifiedErrorId }
                else { ($_ | Out-String); ($_ | Format-List * -Force | Out-String) }
            })
        foreach ($folder in $Folders) {
            if (Test-Path -LiteralPath $folder) {
                Get-ChildItem -LiteralPath $folder -Recurse -File -Force | ForEach-Object { $parts += [System.IO.File]::ReadAllText($_.FullName) }
            }
        }
        $parts -join "`n"
    }
}

AfterAll {
    if ($null -ne $script:Ceph) {
        & bash $script:CephScript stop $script:CephFolder | Out-Null
    }
}

Describe 'Sync to s3:// with an access key as -Credential' {
    BeforeEach {
        if ($script:CephSkip) {
            Set-ItResult -Skipped -Because $script:CephSkip
            return
        }
        $folders = New-TestPairFolders
        $bucket = New-TestBucket
    }

    It 'uploads every file with its time in rclone''s mtime metadata, and a second run has nothing to do' {
        $time = [DateTime]::new(2024, 5, 17, 8, 30, 0, [DateTimeKind]::Utc)
        Set-TestFile -Root $folders.Source -RelativePath 'docs/report.txt' -Content 'from source' -LastWriteTimeUtc $time | Out-Null
        Set-TestFile -Root $folders.Source -RelativePath 'top.txt' -Content 'top' -LastWriteTimeUtc $time.AddDays(-3) | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination "s3://$bucket/backup" -Mode SourceToDestination `
            -S3Endpoint $script:Endpoint -Credential $script:S3Credential -StatePath $folders.State

        $results = @(Invoke-Sync -Pair $pair -Confirm:$false | Sort-Object RelativePath)

        ($results | ForEach-Object { '{0} {1}' -f $_.Status, $_.RelativePath }) -join ',' |
            Should -Be 'Succeeded docs/report.txt,Succeeded top.txt'
        (Get-TestS3Keys $bucket) -join ',' | Should -Be 'backup/docs/report.txt,backup/top.txt'
        Get-TestS3Body $bucket 'backup/docs/report.txt' | Should -Be 'from source'
        (Get-TestS3Metadata $bucket 'backup/docs/report.txt').mtime | Should -Be '1715934600.000000000'
        (Get-TestS3Metadata $bucket 'backup/top.txt').mtime | Should -Be '1715675400.000000000'
        @(Invoke-Sync -Pair $pair -Confirm:$false).Count | Should -Be 0
    }

    It 'syncs an inline s3:// destination and back again, a second run having nothing to do' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' -Content 'alpha' | Out-Null
        Invoke-TestS3 PUT "/$bucket/b.txt" @('--data-binary', 'bravo') | Out-Null

        $results = @(Invoke-Sync -Source $folders.Source -Destination "s3://$bucket" -Mode TwoWay -S3Endpoint $script:Endpoint `
                -Credential $script:S3Credential -StatePath $folders.State -Confirm:$false | Sort-Object RelativePath)

        ($results | ForEach-Object { '{0} {1}' -f $_.Status, $_.RelativePath }) -join ',' | Should -Be 'Succeeded a.txt,Succeeded b.txt'
        Get-TestFileContent -Root $folders.Source -RelativePath 'b.txt' | Should -Be 'bravo'
        (Get-TestS3Keys $bucket) -join ',' | Should -Be 'a.txt,b.txt'
        @(Invoke-Sync -Source $folders.Source -Destination "s3://$bucket" -Mode TwoWay -S3Endpoint $script:Endpoint `
                -Credential $script:S3Credential -StatePath $folders.State -Confirm:$false).Count | Should -Be 0
    }

    It 'changes nothing in the bucket with -WhatIf' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' -Content 'new' | Out-Null
        Invoke-TestS3 PUT "/$bucket/old.txt" @('--data-binary', 'already there') | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination "s3://$bucket" -Mode SourceToDestination `
            -S3Endpoint $script:Endpoint -Credential $script:S3Credential -StatePath $folders.State

        $output = Invoke-Sync -Pair $pair -WhatIf

        $output | Should -BeNullOrEmpty
        (Get-TestS3Keys $bucket) -join ',' | Should -Be 'old.txt'
        Get-TestS3Body $bucket 'old.txt' | Should -Be 'already there'
        Test-Path -LiteralPath (Join-Path $folders.State 'sync_metadata.json') | Should -BeFalse
        @(Get-SyncPlan -Pair $pair).Count | Should -Be 2
    }

    It 'reports a missing bucket as SyncS3BucketNotFound (ObjectNotFound), changing nothing' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' -Content 'new' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination "s3://no-such-$bucket/p" -Mode SourceToDestination `
            -S3Endpoint $script:Endpoint -Credential $script:S3Credential -StatePath $folders.State

        $err = { Invoke-Sync -Pair $pair -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru

        $err | Should -BeOfType ([System.Management.Automation.ErrorRecord])
        $err.FullyQualifiedErrorId | Should -BeLike 'SyncS3BucketNotFound,*'
        $err.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        $err.Exception.Message | Should -BeLike "*no-such-$bucket*"
        Test-Path -LiteralPath (Join-Path $folders.State 'sync_metadata.json') | Should -BeFalse
        (Get-TestTree -Root $folders.Source) -join ',' | Should -Be 'a.txt'
    }

    It 'reports refused keys as SyncS3CredentialsRefused (PermissionDenied), changing nothing' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' -Content 'new' | Out-Null
        $wrongSecret = 'Wr0ng-' + [guid]::NewGuid().ToString('N')
        $wrong = [pscredential]::new($script:Ceph.CEPH_ACCESS_KEY, (ConvertTo-SecureString $wrongSecret -AsPlainText -Force))
        $pair = New-SyncPair -Source $folders.Source -Destination "s3://$bucket" -Mode SourceToDestination `
            -S3Endpoint $script:Endpoint -Credential $wrong -StatePath $folders.State

        $err = { Invoke-Sync -Pair $pair -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru

        $err.FullyQualifiedErrorId | Should -BeLike 'SyncS3CredentialsRefused,*'
        $err.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::PermissionDenied)
        (Get-TestS3Keys $bucket).Count | Should -Be 0
        Test-Path -LiteralPath (Join-Path $folders.State 'sync_metadata.json') | Should -BeFalse
        (Get-AllText -Output @($err) -Folders @($folders.State)) | Should -Not -BeLike "*$wrongSecret*"
    }

    It 'puts the secret in no output stream, error, pair view or state file' {
        Set-TestFile -Root $folders.Source -RelativePath 'a.txt' -Content 'alpha' | Out-Null
        $pair = New-SyncPair -Source $folders.Source -Destination "s3://$bucket/s" -Mode SourceToDestination `
            -S3Endpoint $script:Endpoint -Credential $script:S3Credential -StatePath $folders.State -Name "s3-$bucket"
        $missing = New-SyncPair -Source $folders.Source -Destination "s3://no-such-$bucket" -Mode SourceToDestination `
            -S3Endpoint $script:Endpoint -Credential $script:S3Credential -StatePath (Join-Path $folders.State 'missing')

        $output = @(
            $pair
            Get-SyncPlan -Pair $pair -Verbose 4>&1
            Invoke-Sync -Pair $pair -Confirm:$false -Verbose *>&1
            Invoke-Sync -Pair $pair -Confirm:$false -Summary -Verbose *>&1
            Get-SyncStatus -Pair $pair -Verbose *>&1
            try { Invoke-Sync -Pair $missing -Confirm:$false -Verbose *>&1 } catch { $_ }
        )

        (Get-TestS3Keys $bucket) -join ',' | Should -Be 's/a.txt'
        @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Count | Should -BeGreaterThan 0
        $all = Get-AllText -Output $output -Folders @($folders.State)
        $all | Should -Not -BeNullOrEmpty
        $all.Contains($script:Secret) | Should -BeFalse
        ($pair | Out-String).Contains($script:Secret) | Should -BeFalse
    }
}

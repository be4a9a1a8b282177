#
# Module manifest for SyncEngine.
#
# This file is the template: the build (tools/SyncEngine.Packaging) copies it to
# out/SyncEngine/<version>/SyncEngine.psd1 and replaces the ModuleVersion below with
# VersionPrefix from Directory.Build.props (and sets PSData.Prerelease from VersionSuffix).
# Do not edit the version here.
#
@{
    # The binary module that holds the cmdlets.
    RootModule             = 'SyncEngine.PowerShell.dll'

    # Stamped at build time from Directory.Build.props (VersionPrefix).
    ModuleVersion          = '0.0.0'

    # Never change: identifies the module on the PowerShell Gallery.
    GUID                   = '8737fd14-12e9-4457-9f1b-4c265288f5bb'

    Author                 = 'SyncEngine contributors'
    CompanyName            = 'SyncEngine contributors'
    Copyright              = 'Copyright (c) SyncEngine contributors. Licensed under the MIT License.'
    Description            = 'Keeps two folders in sync: two-way sync, mirrors and backups with plans you can inspect and filter before acting (-WhatIf, -Confirm), safety guards against mass deletion, a trash for every overwritten or deleted file, pause/resume/stop across processes, and unattended runs from scheduled tasks.'

    # Windows PowerShell 5.1 on .NET Framework 4.7.2+ (netstandard2.0 facades) and PowerShell 7+.
    CompatiblePSEditions   = @('Desktop', 'Core')
    PowerShellVersion      = '5.1'
    DotNetFrameworkVersion = '4.7.2'

    FormatsToProcess       = @('SyncEngine.format.ps1xml')
    TypesToProcess         = @('SyncEngine.types.ps1xml')

    # Explicit lists: no wildcards, so module auto-loading and the Gallery know the commands.
    CmdletsToExport        = @(
        'New-SyncPair'
        'Get-SyncPlan'
        'Invoke-Sync'
        'Suspend-Sync'
        'Resume-Sync'
        'Stop-Sync'
        'Get-SyncStatus'
        'Get-SyncHistory'
        'Restore-SyncItem'
    )
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()

    PrivateData            = @{
        PSData = @{
            Tags         = @('PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS', 'Sync', 'Backup', 'Mirror', 'FileSync', 'Folder')
            ProjectUri   = 'https://github.com/SyncEngine/SyncEngine'
            LicenseUri   = 'https://github.com/SyncEngine/SyncEngine/blob/main/LICENSE'
            ReleaseNotes = 'See https://github.com/SyncEngine/SyncEngine/blob/main/CHANGELOG.md'
            # Prerelease = ''
        }
    }
}

#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# The cmdlets as PowerShell itself sees them (Get-Command, Get-Verb, the parameter metadata the binder uses): names,
# output types, ShouldProcess and ConfirmImpact, parameter sets and pipeline binding. These replace the xunit checks
# that read the same attributes through MetadataLoadContext and compared verbs with a copied list.

BeforeDiscovery {
    $script:CommandNames = 'New-SyncPair', 'Get-SyncPlan', 'Invoke-Sync', 'Suspend-Sync', 'Resume-Sync', 'Stop-Sync', 'Get-SyncStatus', 'Get-SyncHistory', 'Restore-SyncItem'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
    $script:Approved = @(Get-Verb | ForEach-Object Verb)
    # Cmdlets that change files or a running sync offer -WhatIf/-Confirm; New-SyncPair builds an object, Get-* read.
    $script:Mutating = 'Invoke-Sync', 'Suspend-Sync', 'Resume-Sync', 'Stop-Sync', 'Restore-SyncItem'
    $script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe '<_> as PowerShell sees it' -ForEach $script:CommandNames {
    BeforeAll {
        $name = $_
        $command = Get-Command -Name $name -Module SyncEngine -CommandType Cmdlet
        $attribute = $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true) | Select-Object -First 1
    }

    It 'uses an approved verb, the Sync noun prefix and the class naming convention' {
        $script:Approved | Should -Contain $command.Verb
        $command.Noun | Should -BeLike 'Sync*'
        $command.ImplementingType.Name | Should -Be ($command.Verb + $command.Noun + 'Command')
        $command.ImplementingType.Namespace | Should -Be 'SyncEngine.PowerShell.Commands'
    }

    It 'declares output types that PowerShell can resolve' {
        @($command.OutputType).Count | Should -BeGreaterThan 0
        foreach ($output in $command.OutputType) {
            $output.Type | Should -Not -BeNullOrEmpty -Because "[OutputType] '$($output.Name)' must be a loaded type"
        }
    }

    It 'offers -WhatIf and -Confirm exactly when it changes something' {
        $mutating = $name -in $script:Mutating
        $command.Parameters.ContainsKey('WhatIf') | Should -Be $mutating
        $command.Parameters.ContainsKey('Confirm') | Should -Be $mutating
    }

    It 'never has a High ConfirmImpact, so unattended runs do not prompt' {
        # High prompts under the default $ConfirmPreference and breaks -NonInteractive scheduled tasks.
        $attribute.ConfirmImpact | Should -Not -Be ([System.Management.Automation.ConfirmImpact]::High)
        if ($name -in 'Invoke-Sync', 'Stop-Sync') {
            $attribute.ConfirmImpact | Should -Be ([System.Management.Automation.ConfirmImpact]::Medium)
        }
    }

    It 'has consistent parameter sets' {
        if ($command.ParameterSets.Count -gt 1) {
            $command.DefaultParameterSet | Should -Not -BeNullOrEmpty
            $command.ParameterSets.Name | Should -Contain $command.DefaultParameterSet
        }
        foreach ($set in $command.ParameterSets) {
            $own = @($set.Parameters | Where-Object { $_.Name -notin $script:Common })
            $positions = @($own | Where-Object Position -ge 0 | ForEach-Object Position)
            ($positions | Select-Object -Unique).Count | Should -Be $positions.Count -Because "no two parameters of set $($set.Name) share a position"
            $byValue = @($own | Where-Object ValueFromPipeline | ForEach-Object { $_.ParameterType.FullName })
            ($byValue | Select-Object -Unique).Count | Should -Be $byValue.Count -Because "no two parameters of set $($set.Name) take the same type from the pipeline"
            foreach ($parameter in $own) {
                $parameter.Name | Should -MatchExactly '^[A-Z]' -Because 'parameter names are PascalCase'
            }
        }
    }
}

Describe 'Pipeline binding' {
    It 'Invoke-Sync takes a pair or piped actions, in separate sets' {
        $command = Get-Command Invoke-Sync
        $command.DefaultParameterSet | Should -Be 'Pair'
        $pair = $command.ParameterSets | Where-Object Name -eq 'Pair'
        $action = $command.ParameterSets | Where-Object Name -eq 'Action'
        $p = $pair.Parameters | Where-Object Name -eq 'Pair'
        $p.ValueFromPipeline | Should -BeTrue
        $p.IsMandatory | Should -BeTrue
        $p.ParameterType | Should -Be ([SyncEngine.SyncPair])
        $i = $action.Parameters | Where-Object Name -eq 'InputObject'
        $i.ValueFromPipeline | Should -BeTrue
        $i.IsMandatory | Should -BeTrue
        $element = if ($i.ParameterType.IsArray) { $i.ParameterType.GetElementType() } else { $i.ParameterType }
        $element | Should -Be ([SyncEngine.SyncAction])
        $pair.Parameters.Name | Should -Not -Contain 'InputObject'
        $action.Parameters.Name | Should -Not -Contain 'Pair'
    }

    It 'Get-SyncPlan takes a pair from the pipeline and returns actions' {
        $command = Get-Command Get-SyncPlan
        $command.DefaultParameterSet | Should -Be 'Pair'
        $p = ($command.ParameterSets | Where-Object Name -eq 'Pair').Parameters | Where-Object Name -eq 'Pair'
        $p.ValueFromPipeline | Should -BeTrue
        $p.ParameterType | Should -Be ([SyncEngine.SyncPair])
        @($command.OutputType.Type) | Should -Be @([SyncEngine.SyncAction])
    }

    It 'New-SyncPair returns a pair, takes nothing from the pipeline, and Source and Destination by position' {
        $command = Get-Command New-SyncPair
        @($command.OutputType.Type) | Should -Be @([SyncEngine.SyncPair])
        @($command.ParameterSets.Parameters | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName }) | Should -BeNullOrEmpty
        foreach ($set in $command.ParameterSets) {
            $source = $set.Parameters | Where-Object Name -eq 'Source'
            $destination = $set.Parameters | Where-Object Name -eq 'Destination'
            $source.IsMandatory | Should -BeTrue
            $source.Position | Should -Be 0
            $destination.IsMandatory | Should -BeTrue
            $destination.Position | Should -Be 1
        }
    }
}

Describe 'The manifest template' {
    It 'keeps a placeholder version, so the only version number is the one in Directory.Build.props' {
        $template = Import-PowerShellDataFile -LiteralPath (Join-Path $PSScriptRoot '../../module/SyncEngine.psd1')
        $template.ModuleVersion | Should -Be '0.0.0'
    }
}

#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Get-Help as users see it: the MAML in en-US/ (built from docs/SyncEngine by PlatyPS or tools/SyncEngine.BuildTools)
# must give every cmdlet a real synopsis, description, examples for each parameter set and a description of every
# parameter, and about_SyncEngine must be found.

BeforeDiscovery {
    $script:CommandNames = 'New-SyncPair', 'Get-SyncPlan', 'Invoke-Sync', 'Suspend-Sync', 'Resume-Sync', 'Stop-Sync', 'Get-SyncStatus'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
    $script:CommonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe 'Help for <_>' -ForEach $script:CommandNames {
    BeforeAll {
        $name = $_
        $command = Get-Command -Name $name -Module SyncEngine
        $help = Get-Help -Name $name -Full
    }

    It 'comes from the MAML file, not from the generated default' {
        $help.Name | Should -Be $name
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without MAML, Get-Help makes the synopsis from the syntax.
        $help.Synopsis.Trim() | Should -Not -BeLike "$name *"
        $help.Synopsis | Should -Not -BeLike '*{{*'
    }

    It 'has a description' {
        ($help.description | ForEach-Object Text) -join "`n" | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example per parameter set, each with code and remarks' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual $command.ParameterSets.Count
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty
            ($example.remarks | ForEach-Object Text) -join '' | Should -Not -BeNullOrEmpty
        }
    }

    It 'calls in its examples only commands this platform has (or says which platform they need)' {
        # Example code is parsed, not run; a command this session cannot find must be named in the remarks with
        # the platform it needs (Register-ScheduledTask: "Windows"), so no example sends a Linux user to a cmdlet
        # that does not exist there (Suspend-Job, Resume-Job).
        foreach ($example in @($help.examples.example)) {
            $tokens = $null
            $parseErrors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput([string]$example.code, [ref]$tokens, [ref]$parseErrors)
            $remarks = ($example.remarks | ForEach-Object Text) -join ' '
            $calls = $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true) |
                ForEach-Object { $_.GetCommandName() } | Where-Object { $_ } | Select-Object -Unique
            foreach ($call in $calls) {
                if (-not (Get-Command -Name $call -ErrorAction SilentlyContinue)) {
                    if (-not $IsWindows) {
                        $remarks | Should -Match 'Windows' -Because "$($example.title) calls $call, which this platform lacks"
                    }
                }
            }
        }
    }

    It 'describes every parameter of the cmdlet' {
        $parameters = @($command.Parameters.Keys | Where-Object { $_ -notin $script:CommonParameters })
        $parameters += @('WhatIf', 'Confirm' | Where-Object { $command.Parameters.ContainsKey($_) })
        foreach ($parameter in ($parameters | Select-Object -Unique)) {
            $parameterHelp = $help.parameters.parameter | Where-Object Name -eq $parameter
            $parameterHelp | Should -Not -BeNullOrEmpty -Because "-$parameter must be documented"
            ($parameterHelp.description | ForEach-Object Text) -join '' | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }

    It 'documents no parameter the cmdlet does not have' {
        foreach ($parameterHelp in @($help.parameters.parameter)) {
            $command.Parameters.ContainsKey($parameterHelp.Name) | Should -BeTrue -Because "the help describes -$($parameterHelp.Name)"
        }
    }

    It 'agrees with the cmdlet on mandatory parameters and pipeline input' {
        foreach ($parameterHelp in @($help.parameters.parameter)) {
            $metadata = $command.Parameters[$parameterHelp.Name]
            if ($metadata.ParameterSets.Count -eq 1) {
                $set = @($metadata.ParameterSets.Values)[0]
                [bool]::Parse($parameterHelp.required) | Should -Be $set.IsMandatory -Because "-$($parameterHelp.Name) Required"
            }
            $takesPipeline = @($metadata.ParameterSets.Values | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName }).Count -gt 0
            ($parameterHelp.pipelineInput -like 'True*') | Should -Be $takesPipeline -Because "-$($parameterHelp.Name) pipeline input"
        }
    }

    It 'names its input and output types' {
        @($help.inputTypes.inputType).Count | Should -BeGreaterThan 0
        $outputs = @($help.returnValues.returnValue | ForEach-Object { $_.type.name })
        foreach ($type in $command.OutputType) {
            $outputs | Should -Contain $type.Name
        }
    }
}

Describe 'about_SyncEngine' {
    It 'is found by Get-Help and covers modes, guards and scheduled tasks' {
        $text = Get-Help -Name about_SyncEngine | Out-String
        $text | Should -BeLike '*SHORT DESCRIPTION*'
        foreach ($word in 'SourceToDestination', 'MaxDeletePercent', 'Register-ScheduledTask', 'SyncMassDeleteGuard', '.syncignore') {
            $text | Should -BeLike "*$word*"
        }
    }

    It 'is listed among the about topics' {
        @(Get-Help -Name 'about_Sync*' | ForEach-Object Name) | Should -Contain 'about_SyncEngine'
    }
}

#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Get-Help as users see it: the MAML in en-US/ (built from docs/SyncEngine by PlatyPS or tools/SyncEngine.BuildTools)
# must give every cmdlet a real synopsis, description, examples for each parameter set and a description of every
# parameter, and say what Get-Command says of its parameters (type, aliases, sets, positions, mandatory, pipeline),
# its parameter sets and its input and output types; about_SyncEngine must be found.

BeforeDiscovery {
    $script:CommandNames = 'New-SyncPair', 'Get-SyncPlan', 'Invoke-Sync', 'Suspend-Sync', 'Resume-Sync', 'Stop-Sync', 'Get-SyncStatus', 'Get-SyncHistory', 'Restore-SyncItem'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'SyncEngine.TestHelpers.ps1')
    Import-SyncEngineUnderTest | Out-Null
    $script:CommonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

    # A type's name as help writes it: System.String, System.String[], System.Nullable`1[System.Int32].
    function Get-HelpTypeName([type] $Type) {
        if ($Type.IsArray) { return (Get-HelpTypeName $Type.GetElementType()) + '[]' }
        if ($Type.IsGenericType) {
            return $Type.GetGenericTypeDefinition().FullName + '[' + ((@($Type.GetGenericArguments() | ForEach-Object { Get-HelpTypeName $_ })) -join ',') + ']'
        }
        $Type.FullName
    }

    # What a parameter set looks like in a syntax line: each parameter (common ones aside) with whether it is mandatory,
    # its position and its pipeline input, in name order.
    function Get-SetSignature($Parameters) {
        (@($Parameters | Sort-Object Name | ForEach-Object { '{0}:{1}:{2}:{3}:{4}' -f $_.Name, $_.Required, $_.Position, $_.ByValue, $_.ByName }) -join ' ')
    }

    # The parameter sets an example's code uses (parsed, never run): a call of the cmdlet naming one of a set's own
    # parameters (or binding one by position), or piping into it the output of a module cmdlet whose type only that set
    # takes by value; a set with no parameters of its own is used by a call with nothing piped in and no argument of
    # another set. A cmdlet with one set needs only a call.
    function Get-ExampleParameterSet($Command, [string] $Code) {
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$null, [ref]$null)
        $calls = $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] -and $n.GetCommandName() -eq $Command.Name }, $true)
        $sets = @($Command.ParameterSets)
        foreach ($call in $calls) {
            if ($sets.Count -eq 1) { $sets[0].Name; continue }
            $binding = [System.Management.Automation.Language.StaticParameterBinder]::BindCommand($call, $true)
            $bound = @($binding.BoundParameters.Keys | Where-Object { $_ -notin $script:CommonParameters })
            $pipeline = $call.Parent -as [System.Management.Automation.Language.PipelineAst]
            $index = if ($pipeline) { $pipeline.PipelineElements.IndexOf($call) } else { 0 }
            $produced = @()
            for ($j = $index - 1; $j -ge 0; $j--) {
                $element = $pipeline.PipelineElements[$j] -as [System.Management.Automation.Language.CommandAst]
                $producer = if ($element) { Get-Command -Name $element.GetCommandName() -Module SyncEngine -ErrorAction SilentlyContinue }
                if ($producer) { $produced = @($producer.OutputType | ForEach-Object Name); break }
            }
            foreach ($set in $sets) {
                $inSet = @($set.Parameters | ForEach-Object Name)
                if (@($bound | Where-Object { $_ -notin $inSet }).Count -gt 0) { continue }
                $own = @($set.Parameters | Where-Object {
                        $sets_ = $Command.Parameters[$_.Name].ParameterSets
                        -not $sets_.ContainsKey('__AllParameterSets') -and $sets_.Count -lt $sets.Count })
                if ($own.Count -eq 0) {
                    if ($index -eq 0) { $set.Name }
                    continue
                }
                $ownNames = @($own | ForEach-Object Name)
                $pipedTypes = @($own | Where-Object ValueFromPipeline | ForEach-Object {
                        $t = $_.ParameterType; if ($t.IsArray) { $t.GetElementType().FullName } else { $t.FullName } })
                if (@($bound | Where-Object { $_ -in $ownNames }).Count -gt 0 -or
                    ($index -gt 0 -and @($produced | Where-Object { $_ -in $pipedTypes }).Count -gt 0)) {
                    $set.Name
                }
            }
        }
    }
}

Describe 'The MAML help' {
    It 'describes exactly the cmdlets the module exports' {
        $module = Get-Module SyncEngine
        $maml = [xml](Get-Content -Raw -LiteralPath (Join-Path $module.ModuleBase 'en-US/SyncEngine.PowerShell.dll-Help.xml'))
        $names = @($maml.helpItems.command | ForEach-Object { $_.details.name.Trim() } | Sort-Object)
        ($names -join ',') | Should -Be ((@($module.ExportedCmdlets.Keys | Sort-Object)) -join ',')
    }
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
        $help.Synopsis.Trim().Length | Should -BeLessOrEqual 160 -Because 'the synopsis is one short sentence'
    }

    It 'has a description, and no placeholder text in it or in a parameter''s description' {
        ($help.description | ForEach-Object Text) -join "`n" | Should -Not -BeNullOrEmpty
        $texts = @($help.description | ForEach-Object Text) + @($help.parameters.parameter | ForEach-Object { $_.description | ForEach-Object Text })
        foreach ($text in $texts) {
            $text | Should -Not -BeLike '*{{*'
            $text | Should -Not -BeLike '*Fill in*'
        }
    }

    It 'has at least one example per parameter set, each with code and remarks' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual $command.ParameterSets.Count
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty
            $example.code | Should -BeLike "*$name*" -Because "$($example.title) should show $name"
            ($example.remarks | ForEach-Object Text) -join '' | Should -Not -BeNullOrEmpty
        }
    }

    It 'has an example that uses each parameter set' {
        $used = @($help.examples.example | ForEach-Object { Get-ExampleParameterSet -Command $command -Code ([string]$_.code) })
        foreach ($set in $command.ParameterSets) {
            $used | Should -Contain $set.Name -Because "an example should use the $($set.Name) set (name one of its own parameters, or pipe in what only it takes)"
        }
    }

    It 'shows one syntax line per parameter set, the default set first, each as Get-Command binds it' {
        $parameterNames = [System.Management.Automation.PSCmdlet]::CommonParameters
        $compiled = @($command.ParameterSets | ForEach-Object {
                Get-SetSignature @($_.Parameters | Where-Object Name -notin $parameterNames | ForEach-Object {
                        [pscustomobject]@{ Name = $_.Name; Required = $_.IsMandatory; Position = $(if ($_.Position -ge 0) { "$($_.Position)" } else { 'named' })
                            ByValue = $_.ValueFromPipeline; ByName = $_.ValueFromPipelineByPropertyName }
                    })
            })
        $documented = @($help.syntax.syntaxItem | ForEach-Object {
                Get-SetSignature @($_.parameter | Where-Object { $_ } | ForEach-Object {
                        [pscustomobject]@{ Name = $_.name; Required = [bool]::Parse($_.required); Position = $_.position
                            ByValue = $_.pipelineInput -like '*ByValue*'; ByName = $_.pipelineInput -like '*ByPropertyName*' }
                    })
            })
        $documented.Count | Should -Be $command.ParameterSets.Count
        foreach ($signature in $documented) {
            $compiled | Should -Contain $signature -Because 'each syntax line should be one of the parameter sets'
        }
        foreach ($signature in $compiled) {
            $documented | Should -Contain $signature -Because 'each parameter set should have a syntax line'
        }
        if ($command.ParameterSets.Count -gt 1) {
            $default = @($command.ParameterSets | Where-Object IsDefault)
            $default.Count | Should -Be 1
            $documented[0] | Should -Be $compiled[[array]::IndexOf(@($command.ParameterSets), $default[0])] -Because "the default set ($($default[0].Name)) comes first"
        }
    }

    It 'gives each parameter the type and aliases of the cmdlet' {
        foreach ($parameterHelp in @($help.parameters.parameter)) {
            $metadata = $command.Parameters[$parameterHelp.Name]
            $parameterHelp.type.name | Should -Be (Get-HelpTypeName $metadata.ParameterType) -Because "-$($parameterHelp.Name) Type"
            $aliases = if ($parameterHelp.aliases -eq 'none') { @() } else { @($parameterHelp.aliases -split ',\s*') }
            (@($aliases | Sort-Object) -join ',') | Should -Be (@($metadata.Aliases | Sort-Object) -join ',') -Because "-$($parameterHelp.Name) Aliases"
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

    It 'names exactly its output types, and as inputs the types it takes from the pipeline (or None)' {
        $outputs = @($help.returnValues.returnValue | ForEach-Object { $_.type.name.Trim() } | Sort-Object)
        ($outputs -join ',') | Should -Be (@($command.OutputType | ForEach-Object Name | Sort-Object) -join ',')
        foreach ($output in @($help.returnValues.returnValue)) {
            ($output.description | ForEach-Object Text) -join '' | Should -Not -BeNullOrEmpty -Because "output $($output.type.name) needs a description"
        }
        $piped = @($command.Parameters.Values | Where-Object { $_.Name -notin $script:CommonParameters } |
                Where-Object { @($_.ParameterSets.Values | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName }).Count -gt 0 } |
                ForEach-Object { $t = $_.ParameterType; if ($t.IsArray) { $t.GetElementType().FullName } else { $t.FullName } } | Sort-Object -Unique)
        if ($piped.Count -eq 0) { $piped = @('None') }
        (@($help.inputTypes.inputType | ForEach-Object { $_.type.name.Trim() } | Sort-Object) -join ',') | Should -Be ($piped -join ',')
    }
}

Describe 'about_SyncEngine' {
    It 'is found by Get-Help and covers the cmdlets, modes, compare modes, conflicts, guards and scheduled tasks' {
        $text = Get-Help -Name about_SyncEngine | Out-String
        $text | Should -BeLike '*SHORT DESCRIPTION*'
        $text | Should -BeLike '*LONG DESCRIPTION*'
        $words = @((Get-Module SyncEngine).ExportedCmdlets.Keys) +
            'TwoWay', 'SourceToDestination', 'SourceBackup', 'DestinationToSource', 'DestinationBackup',
            'HashThenMtime', 'SizeOnly', 'HashOnly', 'MtimeOnly', 'SizeAndMtime',
            'NewestWins', 'KeepBoth', 'Manual', 'Merge', '.syncignore', '.syncengine', 'MaxDeletePercent',
            'Register-ScheduledTask', '-NonInteractive', '-Confirm:$false', 'SYNCENGINE_STATE_HOME'
        foreach ($word in $words) {
            $text.Contains($word) | Should -BeTrue -Because "about_SyncEngine should mention $word"
        }
    }

    It 'lists the engine error ids' {
        $text = Get-Help -Name about_SyncEngine | Out-String
        $ids = 'SyncRootNotFound', 'SyncRootNotFolder', 'SyncRootsOverlap', 'SyncRootInvalid', 'SyncInvalidOption', 'SyncPairLocked',
            'SyncMassDeleteGuard', 'SyncRootEmptied', 'SyncStateFromNewerVersion', 'SyncStateForAnotherPair',
            'SyncStateFolderUnavailable', 'SyncIgnoreRuleInvalid', 'SyncUnsafePath', 'SyncActionFromAnotherPair'
        foreach ($id in $ids) {
            $text.Contains($id) | Should -BeTrue -Because "about_SyncEngine should list the error id $id"
        }
    }

    It 'is laid out as help text that fits a console' {
        $path = Join-Path (Get-Module SyncEngine).ModuleBase 'en-US/about_SyncEngine.help.txt'
        $lines = @(Get-Content -LiteralPath $path)
        $lines[0] | Should -Be 'TOPIC'
        $lines[1] | Should -Be '    about_SyncEngine'
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 100 -Because "'$line' is too long for a console" }
    }

    It 'is listed among the about topics' {
        @(Get-Help -Name 'about_Sync*' | ForEach-Object Name) | Should -Contain 'about_SyncEngine'
    }
}

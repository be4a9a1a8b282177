using System.Collections.Generic;

namespace SyncEngine.BuildTools;

/// <summary>One cmdlet's help as read from a PlatyPS markdown file.</summary>
public sealed class CommandHelp
{
    /// <summary>The command name (the H1 title).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The file it was read from.</summary>
    public string SourcePath { get; set; } = string.Empty;

    /// <summary>Front matter (document type, external help file, Module Name, HelpUri…).</summary>
    public Dictionary<string, string> Metadata { get; } = new(System.StringComparer.OrdinalIgnoreCase);

    /// <summary>One-line summary.</summary>
    public string Synopsis { get; set; } = string.Empty;

    /// <summary>The SYNTAX section's parameter sets, in order.</summary>
    public List<SyntaxSection> Syntax { get; } = new();

    /// <summary>The ALIASES section's paragraphs (optional).</summary>
    public List<string> Aliases { get; } = new();

    /// <summary>The DESCRIPTION paragraphs.</summary>
    public List<string> Description { get; } = new();

    /// <summary>The EXAMPLES.</summary>
    public List<HelpExample> Examples { get; } = new();

    /// <summary>The PARAMETERS, in file order (without CommonParameters).</summary>
    public List<ParameterHelp> Parameters { get; } = new();

    /// <summary>True when the PARAMETERS section has the CommonParameters note.</summary>
    public bool HasCommonParameters { get; set; }

    /// <summary>The INPUTS section.</summary>
    public List<TypeHelp> Inputs { get; } = new();

    /// <summary>The OUTPUTS section.</summary>
    public List<TypeHelp> Outputs { get; } = new();

    /// <summary>The NOTES paragraphs.</summary>
    public List<string> Notes { get; } = new();

    /// <summary>The RELATED LINKS.</summary>
    public List<RelatedLink> RelatedLinks { get; } = new();

    /// <summary>The set names the help knows of: the SYNTAX headings, else the names the parameters use.</summary>
    public List<string> ParameterSetNames()
    {
        var names = new List<string>();
        foreach (var s in Syntax)
        {
            if (!IsAllSets(s.ParameterSetName) && !names.Contains(s.ParameterSetName))
            {
                names.Add(s.ParameterSetName);
            }
        }

        if (names.Count > 0)
        {
            return names;
        }

        foreach (var p in Parameters)
        {
            foreach (var set in p.Sets)
            {
                if (!IsAllSets(set.Name) && !names.Contains(set.Name))
                {
                    names.Add(set.Name);
                }
            }
        }

        return names;
    }

    /// <summary>True for the names PlatyPS uses for "every parameter set".</summary>
    public static bool IsAllSets(string name) =>
        name is "(All)" or "__AllParameterSets" || name.Length == 0;
}

/// <summary>A SYNTAX entry: one parameter set.</summary>
public sealed class SyntaxSection
{
    /// <summary>The set's name.</summary>
    public string ParameterSetName { get; set; } = string.Empty;

    /// <summary>True when the heading says "(Default)".</summary>
    public bool IsDefault { get; set; }

    /// <summary>The syntax line as written (informational; MAML syntax is built from the parameters).</summary>
    public string Text { get; set; } = string.Empty;
}

/// <summary>An example.</summary>
public sealed class HelpExample
{
    /// <summary>The H3 title, e.g. "Example 1: Mirror a folder".</summary>
    public string Title { get; set; } = string.Empty;

    /// <summary>The first code block.</summary>
    public string Code { get; set; } = string.Empty;

    /// <summary>The other paragraphs and code blocks, in order.</summary>
    public List<string> Remarks { get; } = new();
}

/// <summary>A parameter's help and metadata.</summary>
public sealed class ParameterHelp
{
    /// <summary>The name, without the dash.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The description paragraphs.</summary>
    public List<string> Description { get; } = new();

    /// <summary>The full type name.</summary>
    public string Type { get; set; } = string.Empty;

    /// <summary>The default value as text ('' for none).</summary>
    public string DefaultValue { get; set; } = string.Empty;

    /// <summary>Whether wildcards are accepted.</summary>
    public bool SupportsWildcards { get; set; }

    /// <summary>Aliases.</summary>
    public List<string> Aliases { get; } = new();

    /// <summary>Allowed values (enum-like parameters).</summary>
    public List<string> AcceptedValues { get; } = new();

    /// <summary>Hidden from syntax.</summary>
    public bool DontShow { get; set; }

    /// <summary>The parameter's behaviour in each set it belongs to.</summary>
    public List<ParameterSetHelp> Sets { get; } = new();

    /// <summary>True when the parameter belongs to <paramref name="setName"/> (or to every set).</summary>
    public ParameterSetHelp? InSet(string setName)
    {
        ParameterSetHelp? all = null;
        foreach (var s in Sets)
        {
            if (string.Equals(s.Name, setName, System.StringComparison.OrdinalIgnoreCase))
            {
                return s;
            }

            if (CommandHelp.IsAllSets(s.Name))
            {
                all = s;
            }
        }

        return all;
    }
}

/// <summary>A parameter's behaviour in one parameter set.</summary>
public sealed class ParameterSetHelp
{
    /// <summary>The set's name, or "(All)".</summary>
    public string Name { get; set; } = "(All)";

    /// <summary>"Named" or a 0-based position.</summary>
    public string Position { get; set; } = "Named";

    /// <summary>Mandatory in this set.</summary>
    public bool IsRequired { get; set; }

    /// <summary>Binds from pipeline objects.</summary>
    public bool ValueFromPipeline { get; set; }

    /// <summary>Binds from a property of pipeline objects.</summary>
    public bool ValueFromPipelineByPropertyName { get; set; }

    /// <summary>Takes the remaining arguments.</summary>
    public bool ValueFromRemainingArguments { get; set; }
}

/// <summary>An INPUTS or OUTPUTS entry.</summary>
public sealed class TypeHelp
{
    /// <summary>The type name (the H3 heading).</summary>
    public string TypeName { get; set; } = string.Empty;

    /// <summary>The description paragraphs.</summary>
    public List<string> Description { get; } = new();
}

/// <summary>A RELATED LINKS entry.</summary>
public sealed class RelatedLink
{
    /// <summary>The text shown.</summary>
    public string Text { get; set; } = string.Empty;

    /// <summary>An absolute URI, or '' (links to other help topics).</summary>
    public string Uri { get; set; } = string.Empty;
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;

namespace SyncEngine.BuildTools;

/// <summary>
/// Writes MAML command help (the <c>&lt;Module&gt;.dll-Help.xml</c> that Get-Help reads for binary cmdlets):
/// helpItems / command:command with details, description, syntax (built from parameter metadata, one syntaxItem per
/// parameter set), parameters, inputTypes, returnValues, alertSet (notes), examples and relatedLinks.
/// </summary>
public static class MamlWriter
{
    /// <summary>The MAML namespace.</summary>
    public const string Maml = "http://schemas.microsoft.com/maml/2004/10";

    /// <summary>The command namespace.</summary>
    public const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";

    /// <summary>The dev namespace.</summary>
    public const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    /// <summary>The help items (root) namespace.</summary>
    public const string Msh = "http://msh";

    private const string MSHelp = "http://msdn.microsoft.com/mshelp";

    /// <summary>Writes the MAML for <paramref name="commands"/> to <paramref name="path"/> (UTF-8).</summary>
    public static void WriteFile(IReadOnlyList<CommandHelp> commands, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(path, Write(commands), new UTF8Encoding(false));
    }

    /// <summary>The MAML document for <paramref name="commands"/>, as text.</summary>
    public static string Write(IReadOnlyList<CommandHelp> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using var buffer = new Utf8StringWriter();
        using (var x = XmlWriter.Create(buffer, settings))
        {
            x.WriteStartDocument();
            x.WriteStartElement("helpItems", Msh);
            x.WriteAttributeString("schema", "maml");
            foreach (var help in commands.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase))
            {
                WriteCommand(x, help);
            }

            x.WriteEndElement();
            x.WriteEndDocument();
        }

        return buffer.ToString() + "\n";
    }

    private static void WriteCommand(XmlWriter x, CommandHelp help)
    {
        x.WriteStartElement("command", "command", Command);
        x.WriteAttributeString("xmlns", "maml", null, Maml);
        x.WriteAttributeString("xmlns", "command", null, Command);
        x.WriteAttributeString("xmlns", "dev", null, Dev);
        x.WriteAttributeString("xmlns", "MSHelp", null, MSHelp);

        var dash = help.Name.IndexOf('-', StringComparison.Ordinal);
        x.WriteStartElement("command", "details", Command);
        x.WriteElementString("command", "name", Command, help.Name);
        x.WriteElementString("command", "verb", Command, dash > 0 ? help.Name.Substring(0, dash) : help.Name);
        x.WriteElementString("command", "noun", Command, dash > 0 ? help.Name.Substring(dash + 1) : string.Empty);
        Description(x, new[] { help.Synopsis });
        x.WriteEndElement();

        Description(x, help.Description);

        x.WriteStartElement("command", "syntax", Command);
        var setNames = help.ParameterSetNames();
        if (setNames.Count == 0)
        {
            setNames.Add("(All)");
        }

        foreach (var set in setNames)
        {
            x.WriteStartElement("command", "syntaxItem", Command);
            x.WriteElementString("maml", "name", Maml, help.Name);
            foreach (var (parameter, inSet) in SyntaxOrder(help, set))
            {
                WriteParameter(x, parameter, inSet, forSyntax: true);
            }

            x.WriteEndElement();
        }

        x.WriteEndElement();

        x.WriteStartElement("command", "parameters", Command);
        foreach (var parameter in help.Parameters)
        {
            WriteParameter(x, parameter, Merged(parameter), forSyntax: false);
        }

        x.WriteEndElement();

        TypeList(x, "inputTypes", "inputType", help.Inputs);
        TypeList(x, "returnValues", "returnValue", help.Outputs);

        x.WriteStartElement("maml", "alertSet", Maml);
        if (help.Notes.Count > 0)
        {
            x.WriteStartElement("maml", "alert", Maml);
            foreach (var note in help.Notes)
            {
                x.WriteElementString("maml", "para", Maml, note);
            }

            x.WriteEndElement();
        }

        x.WriteEndElement();

        x.WriteStartElement("command", "examples", Command);
        foreach (var example in help.Examples)
        {
            x.WriteStartElement("command", "example", Command);
            x.WriteElementString("maml", "title", Maml, "---------- " + example.Title + " ----------");
            x.WriteElementString("dev", "code", Dev, example.Code);
            x.WriteStartElement("dev", "remarks", Dev);
            foreach (var remark in example.Remarks)
            {
                x.WriteElementString("maml", "para", Maml, remark);
            }

            x.WriteEndElement();
            x.WriteEndElement();
        }

        x.WriteEndElement();

        x.WriteStartElement("command", "relatedLinks", Command);
        if (help.Metadata.TryGetValue("HelpUri", out var online) || help.Metadata.TryGetValue("online version", out online))
        {
            if (MarkdownBlocks.IsAbsoluteUri(online))
            {
                NavigationLink(x, "Online Version:", online);
            }
        }

        foreach (var link in help.RelatedLinks)
        {
            NavigationLink(x, link.Text, link.Uri);
        }

        x.WriteEndElement();
        x.WriteEndElement();
    }

    // Positional parameters by position, then mandatory named ones, then the rest (WhatIf and Confirm last), as
    // Get-Command -Syntax lists them.
    private static List<(ParameterHelp Parameter, ParameterSetHelp InSet)> SyntaxOrder(CommandHelp help, string set)
    {
        var members = new List<(ParameterHelp, ParameterSetHelp, int Rank, int Key, int Index)>();
        for (var i = 0; i < help.Parameters.Count; i++)
        {
            var p = help.Parameters[i];
            var inSet = CommandHelp.IsAllSets(set) ? Merged(p) : p.InSet(set);
            if (inSet is null || p.DontShow)
            {
                continue;
            }

            var positional = int.TryParse(inSet.Position, NumberStyles.None, CultureInfo.InvariantCulture, out var pos);
            var rank = positional ? 0 : inSet.IsRequired ? 1 : p.Name is "WhatIf" or "Confirm" ? 3 : 2;
            members.Add((p, inSet, rank, positional ? pos : 0, i));
        }

        return members.OrderBy(m => m.Rank).ThenBy(m => m.Key).ThenBy(m => m.Index).Select(m => (m.Item1, m.Item2)).ToList();
    }

    // One description of a parameter across its sets, for the PARAMETERS list: the first set's position and
    // requirement, pipeline input if any set takes it.
    private static ParameterSetHelp Merged(ParameterHelp p)
    {
        var first = p.Sets.Count > 0 ? p.Sets[0] : new ParameterSetHelp();
        return new ParameterSetHelp
        {
            Name = first.Name,
            Position = first.Position,
            IsRequired = first.IsRequired,
            ValueFromPipeline = p.Sets.Any(s => s.ValueFromPipeline),
            ValueFromPipelineByPropertyName = p.Sets.Any(s => s.ValueFromPipelineByPropertyName),
            ValueFromRemainingArguments = p.Sets.Any(s => s.ValueFromRemainingArguments),
        };
    }

    private static void WriteParameter(XmlWriter x, ParameterHelp p, ParameterSetHelp s, bool forSyntax)
    {
        var isSwitch = IsSwitch(p.Type);
        x.WriteStartElement("command", "parameter", Command);
        x.WriteAttributeString("required", s.IsRequired ? "true" : "false");
        x.WriteAttributeString("variableLength", p.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false");
        x.WriteAttributeString("globbing", p.SupportsWildcards ? "true" : "false");
        x.WriteAttributeString("pipelineInput", PipelineText(s));
        x.WriteAttributeString("position", s.Position.Equals("Named", StringComparison.OrdinalIgnoreCase) ? "named" : s.Position);
        x.WriteAttributeString("aliases", p.Aliases.Count == 0 ? "none" : string.Join(", ", p.Aliases));
        x.WriteElementString("maml", "name", Maml, p.Name);
        Description(x, p.Description);
        if (p.AcceptedValues.Count > 0)
        {
            x.WriteStartElement("command", "parameterValueGroup", Command);
            foreach (var value in p.AcceptedValues)
            {
                x.WriteStartElement("command", "parameterValue", Command);
                x.WriteAttributeString("required", "false");
                x.WriteAttributeString("command", "variableLength", Command, "false");
                x.WriteString(value);
                x.WriteEndElement();
            }

            x.WriteEndElement();
        }

        if (!(forSyntax && (isSwitch || p.AcceptedValues.Count > 0)))
        {
            x.WriteStartElement("command", "parameterValue", Command);
            x.WriteAttributeString("required", isSwitch ? "false" : "true");
            x.WriteAttributeString("variableLength", "false");
            x.WriteString(ShortTypeName(p.Type));
            x.WriteEndElement();
        }

        if (!forSyntax)
        {
            x.WriteStartElement("dev", "type", Dev);
            x.WriteElementString("maml", "name", Maml, p.Type);
            x.WriteElementString("maml", "uri", Maml, string.Empty);
            x.WriteEndElement();
            x.WriteElementString("dev", "defaultValue", Dev, p.DefaultValue.Length == 0 ? "None" : p.DefaultValue);
        }

        x.WriteEndElement();
    }

    private static void TypeList(XmlWriter x, string listName, string itemName, List<TypeHelp> types)
    {
        x.WriteStartElement("command", listName, Command);
        foreach (var type in types)
        {
            x.WriteStartElement("command", itemName, Command);
            x.WriteStartElement("dev", "type", Dev);
            x.WriteElementString("maml", "name", Maml, type.TypeName);
            x.WriteEndElement();
            Description(x, type.Description);
            x.WriteEndElement();
        }

        x.WriteEndElement();
    }

    private static void NavigationLink(XmlWriter x, string text, string uri)
    {
        x.WriteStartElement("maml", "navigationLink", Maml);
        x.WriteElementString("maml", "linkText", Maml, text);
        x.WriteElementString("maml", "uri", Maml, uri);
        x.WriteEndElement();
    }

    private static void Description(XmlWriter x, IEnumerable<string> paragraphs)
    {
        x.WriteStartElement("maml", "description", Maml);
        foreach (var para in paragraphs)
        {
            x.WriteElementString("maml", "para", Maml, para);
        }

        x.WriteEndElement();
    }

    private static string PipelineText(ParameterSetHelp s) => (s.ValueFromPipeline, s.ValueFromPipelineByPropertyName) switch
    {
        (true, true) => "True (ByValue, ByPropertyName)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    };

    /// <summary>True for System.Management.Automation.SwitchParameter (any spelling PlatyPS uses).</summary>
    public static bool IsSwitch(string type) =>
        type.Equals("System.Management.Automation.SwitchParameter", StringComparison.OrdinalIgnoreCase)
        || type.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase);

    /// <summary>The type name Get-Help shows in syntax: the last dotted segment (System.String[] → String[]).</summary>
    public static string ShortTypeName(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var bracket = type.IndexOf('[', StringComparison.Ordinal);
        if (bracket >= 0 && !type.EndsWith("[]", StringComparison.Ordinal))
        {
            return type;
        }

        var core = bracket >= 0 ? type.Substring(0, bracket) : type;
        var suffix = bracket >= 0 ? type.Substring(bracket) : string.Empty;
        var dot = core.LastIndexOf('.');
        return (dot >= 0 ? core.Substring(dot + 1) : core) + suffix;
    }

    private sealed class Utf8StringWriter : StringWriter
    {
        public Utf8StringWriter()
            : base(CultureInfo.InvariantCulture)
        {
        }

        public override Encoding Encoding => new UTF8Encoding(false);
    }
}

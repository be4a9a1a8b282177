using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.IO;
using System.Linq;
using SyncEngine.Control;

namespace SyncEngine.Cli;

/// <summary>
/// The <c>syncengine</c> command line: System.CommandLine parses, the command classes act, and every error becomes
/// a message on standard error and an exit code (<see cref="ExitCodes"/>). No rule lives here: the engine decides.
/// </summary>
internal static class CliApp
{
    /// <summary>Runs one command line with the given writers (tests use this in-process).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, new CliContext(stdout, stderr));

    /// <summary>Runs one command line in the given context.</summary>
    public static int Run(string[] args, CliContext context)
    {
        if (NamesPasswordOption(args))
        {
            // Said before parsing, so no parse error can echo the value typed after it.
            var crypt = Array.Exists(args, IsCryptPasswordOption);
            context.Error.WriteLine(crypt
                ? $"syncengine: there is no encryption password option: a password on a command line shows in process listings and shell history. Set the {Storage.SideEncryption.PasswordVariable} (and {Storage.SideEncryption.SaltPasswordVariable}) environment variables instead."
                : $"syncengine: there is no --sftp-password option: a password on a command line shows in process listings and shell history. Set the {PairArguments.PasswordVariable} environment variable instead.");
            return ExitCodes.InvalidInput;
        }

        if (NamesS3SecretOption(args))
        {
            context.Error.WriteLine("syncengine: there is no option for an S3 secret: a command line shows in process listings and shell history. Give the credentials through the AWS credential chain instead (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the shared credentials file).");
            return ExitCodes.InvalidInput;
        }

        var root = BuildCommands(context);
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null, EnablePosixBundling = false });
        if (parse.Action is ParseErrorAction || (parse.Errors.Count > 0 && parse.Action is null))
        {
            return ReportParseErrors(context, parse);
        }

        return parse.Invoke(new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        });
    }

    /// <summary>Whether an argument before <c>--</c> looks like an option for an S3 secret (<c>--s3-secret…</c>, <c>--aws-secret…</c>).</summary>
    private static bool NamesS3SecretOption(string[] args)
    {
        foreach (var arg in args)
        {
            if (arg == "--")
            {
                return false;
            }

            if (arg.StartsWith("--s3-secret", StringComparison.OrdinalIgnoreCase) || arg.StartsWith("--aws-secret", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether an argument before <c>--</c> is <c>--sftp-password</c> (or <c>--sftp-password=…</c>).</summary>
    private static bool NamesPasswordOption(string[] args)
    {
        foreach (var arg in args)
        {
            if (arg == "--")
            {
                return false;
            }

            if (arg.StartsWith("--sftp-password", StringComparison.OrdinalIgnoreCase) && (arg.Length == 15 || arg[15] is '=' or ':'))
            {
                return true;
            }

            if (IsCryptPasswordOption(arg))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether an argument is an attempt at giving the encryption password (<c>--password</c>, <c>--encrypt-password</c>, <c>--crypt-password</c>, …).</summary>
    private static bool IsCryptPasswordOption(string arg)
    {
        foreach (var name in new[] { "--password", "--password2", "--encrypt-password", "--encrypt-password2", "--crypt-password", "--crypt-password2" })
        {
            if (arg.StartsWith(name, StringComparison.OrdinalIgnoreCase) && (arg.Length == name.Length || arg[name.Length] is '=' or ':'))
            {
                return true;
            }
        }

        return false;
    }

    private static RootCommand BuildCommands(CliContext context)
    {
        var root = new RootCommand("syncengine: keep two folders in sync.");
        foreach (var option in root.Options)
        {
            if (option is HelpOption help)
            {
                help.Action = new PrintHelp();
            }
            else if (option is VersionOption version)
            {
                version.Action = new PrintVersion();
            }
        }

        root.Add(PairCommand(context, "plan", sync: false));
        root.Add(PairCommand(context, "sync", sync: true));
        root.Add(PairCommand(context, "watch", sync: true));
        root.Add(ControlCommand(context, "pause", ControlRequest.Pause));
        root.Add(ControlCommand(context, "resume", ControlRequest.Resume));
        root.Add(ControlCommand(context, "stop", ControlRequest.Stop));
        root.Add(StatusCommand(context));
        root.Add(HistoryCommand(context));
        root.Add(PairCommand(context, "restore", sync: true));
        return root;
    }

    private static Command PairCommand(CliContext context, string name, bool sync)
    {
        var source = new Argument<string>("SOURCE") { Description = "the source folder" };
        var destination = new Argument<string>("DESTINATION") { Description = "the destination folder" };
        var mode = Text("--mode", "M", "sync mode", "two-way", "source-to-destination", "source-backup", "destination-to-source", "destination-backup");
        var compare = Text("--compare", "C", "comparison", "hash-then-mtime", "size-only", "hash-only", "mtime-only", "size-and-mtime");
        var conflict = Text("--conflict", "R", "conflict resolution", "newest-wins", "source-wins", "destination-wins", "keep-both", "manual");
        var initial = Text("--initial", "P", "first two-way sync", "merge", "source-wins", "destination-wins");
        var stateDir = Text("--state-dir", "DIR", "state folder");
        var ignore = new Option<string[]>("--ignore") { HelpName = "PAT", Description = "ignore pattern", AllowMultipleArgumentsPerToken = false };
        var whatIf = new Option<bool>("--what-if") { Description = "print what would happen" };
        var json = new Option<bool>("--json") { Description = "JSON lines" };
        var reseed = new Option<bool>("--reseed") { Description = "plan as a first sync that merges; delete nothing" };
        var sftpKey = new Option<string[]>("--sftp-key") { HelpName = "FILE", Description = "SSH private key file", AllowMultipleArgumentsPerToken = false };
        var sftpKnownHosts = Text("--sftp-known-hosts", "FILE", "known_hosts file");
        var sftpAcceptNew = new Option<bool>("--sftp-accept-new-host") { Description = "add an unknown host key" };
        var s3Endpoint = Text("--s3-endpoint", "URL", "S3 endpoint");
        var s3Region = Text("--s3-region", "REGION", "S3 region");
        var encrypt = new Option<bool>("--encrypt") { Description = "encrypt the destination (rclone crypt)" };
        var encryptNames = Text("--encrypt-names", "MODE", "name encryption", "standard", "off");
        var compress = Text("--compress", "ALG", "compression at rest");
        var watch = name == "watch";
        var restore = name == "restore";
        if (restore)
        {
            // Named by SOURCE and DESTINATION, or by its state folder alone.
            source.Arity = ArgumentArity.ZeroOrOne;
            destination.Arity = ArgumentArity.ZeroOrOne;
        }

        var command = new Command(name, restore ? "restore files as they were at a date, or a version" : watch ? "sync, then keep syncing changes" : sync ? "plan and execute" : "print the plan; change nothing")
        {
            source, destination, mode, compare, conflict, initial, stateDir, ignore, whatIf, json, reseed, sftpKey, sftpKnownHosts, sftpAcceptNew,
            s3Endpoint, s3Region, encrypt, encryptNames, compress,
        };
        Option<bool>? force = null, noTrash = null;
        Option<int?>? transfers = null, operations = null;
        Option<string?>? bwlimit = null;
        if (sync)
        {
            force = new Option<bool>("--force") { Description = "pass the safety guards" };
            noTrash = new Option<bool>("--no-trash") { Description = "keep no old versions" };
            transfers = Number("--transfers", "concurrent copies");
            operations = Number("--operations", "concurrent operations");
            command.Add(force);
            command.Add(noTrash);
            command.Add(transfers);
            command.Add(operations);
            bwlimit = Text("--bwlimit", "RATE", "bandwidth limit");
            command.Add(bwlimit);
        }

        Option<string?>? side = null, path = null, date = null, version = null, to = null;
        if (restore)
        {
            side = Text("--side", "SIDE", "the side to restore", "source", "destination");
            path = Text("--path", "P", "a file or folder (default: the whole side)");
            date = Text("--date", "T", "restore as it was at this time");
            version = Text("--version", "ID", "restore the version this change replaced");
            to = Text("--to", "DIR", "restore into this folder of the side");
            command.Add(side);
            command.Add(path);
            command.Add(date);
            command.Add(version);
            command.Add(to);
        }

        Option<string[]>? paths = null;
        if (!watch && !restore)
        {
            paths = new Option<string[]>("--path") { HelpName = "P", Description = "sync only this subtree (relative to the roots)", AllowMultipleArgumentsPerToken = false };
            command.Add(paths);
        }

        Option<string?>? debounce = null, maxDelay = null, rescan = null, poll = null;
        if (watch)
        {
            debounce = Text("--debounce", "D", "quiet period before a batch");
            maxDelay = Text("--max-delay", "D", "longest wait for a batch");
            rescan = Text("--rescan", "D", "full rescan interval");
            poll = Text("--poll", "D", "listing interval of sides without change events");
            command.Add(debounce);
            command.Add(maxDelay);
            command.Add(rescan);
            command.Add(poll);
        }

        command.SetAction(parse => Execute(context, () =>
        {
            RejectOptionLikeArguments(parse, source, destination);
            var args = new PairArguments
            {
                Source = parse.GetValue(source) ?? "",
                Destination = parse.GetValue(destination) ?? "",
                Mode = parse.GetValue(mode),
                Compare = parse.GetValue(compare),
                Conflict = parse.GetValue(conflict),
                Initial = parse.GetValue(initial),
                StateDir = parse.GetValue(stateDir),
                Ignore = parse.GetValue(ignore) ?? Array.Empty<string>(),
                Paths = (paths is null ? null : parse.GetValue(paths)) ?? Array.Empty<string>(),
                WhatIf = parse.GetValue(whatIf),
                Json = parse.GetValue(json),
                Reseed = parse.GetValue(reseed),
                Force = force is not null && parse.GetValue(force),
                NoTrash = noTrash is not null && parse.GetValue(noTrash),
                Transfers = transfers is null ? null : parse.GetValue(transfers),
                Operations = operations is null ? null : parse.GetValue(operations),
                BandwidthLimit = bwlimit is null ? null : parse.GetValue(bwlimit),
                SftpKeys = parse.GetValue(sftpKey) ?? Array.Empty<string>(),
                SftpKnownHosts = parse.GetValue(sftpKnownHosts),
                SftpAcceptNewHost = parse.GetValue(sftpAcceptNew),
                S3Endpoint = parse.GetValue(s3Endpoint),
                S3Region = parse.GetValue(s3Region),
                Debounce = debounce is null ? null : parse.GetValue(debounce),
                MaxDelay = maxDelay is null ? null : parse.GetValue(maxDelay),
                Rescan = rescan is null ? null : parse.GetValue(rescan),
                Poll = poll is null ? null : parse.GetValue(poll),
                Encrypt = parse.GetValue(encrypt),
                EncryptNames = parse.GetValue(encryptNames),
                Compress = parse.GetValue(compress),
            };
            if (restore)
            {
                return HistoryCommands.Restore(context, RestorePair(context, args), new HistoryCommands.RestoreArguments
                {
                    Side = parse.GetValue(side!),
                    Path = parse.GetValue(path!),
                    Date = parse.GetValue(date!),
                    Version = parse.GetValue(version!),
                    To = parse.GetValue(to!),
                });
            }

            return watch ? WatchCommand.Run(context, args) : sync ? PairCommands.Sync(context, args) : PairCommands.Plan(context, args);
        }));
        return command;
    }

    /// <summary>
    /// The pair of a restore: SOURCE and DESTINATION as given (with --state-dir when set), or, with --state-dir alone,
    /// the roots and mode that folder's state records.
    /// </summary>
    private static PairArguments RestorePair(CliContext context, PairArguments args)
    {
        var hasSource = args.Source.Length > 0;
        var hasDestination = args.Destination.Length > 0;
        if (hasSource != hasDestination || (!hasSource && args.StateDir is null))
        {
            throw new CliUsageException("restore: name the pair by SOURCE and DESTINATION, or by --state-dir DIR alone.", "restore");
        }

        if (args.Reseed)
        {
            throw new CliUsageException("restore: --reseed is for sync; a restore plans from the change log.", "restore");
        }

        if (hasSource)
        {
            return args;
        }

        var stored = History.SyncHistory.StoredPair(PairArguments.ResolvePath(context, args.StateDir!, "--state-dir"));
        return new PairArguments
        {
            Source = stored.Source,
            Destination = stored.Destination,
            Mode = args.Mode ?? stored.Mode?.ToString(),
            Compare = args.Compare,
            Conflict = args.Conflict,
            Initial = args.Initial,
            StateDir = args.StateDir,
            Ignore = args.Ignore,
            WhatIf = args.WhatIf,
            Json = args.Json,
            Force = args.Force,
            NoTrash = args.NoTrash,
            Transfers = args.Transfers,
            Operations = args.Operations,
            BandwidthLimit = args.BandwidthLimit,
            SftpKeys = args.SftpKeys,
            SftpKnownHosts = args.SftpKnownHosts,
            SftpAcceptNewHost = args.SftpAcceptNewHost,
            S3Endpoint = args.S3Endpoint,
            S3Region = args.S3Region,
        };
    }

    private static Command HistoryCommand(CliContext context)
    {
        var (stateDir, source, destination) = PairLocator();
        var path = Text("--path", "P", "only changes of this file or folder");
        var since = Text("--since", "T", "only changes at or after this time");
        var until = Text("--until", "T", "only changes at or before this time");
        var json = new Option<bool>("--json") { Description = "one JSON object per change" };
        var command = new Command("history", "list a pair's changes, newest first") { stateDir, source, destination, path, since, until, json };
        command.SetAction(parse => Execute(context, () =>
        {
            RejectOptionLikeArguments(parse, source, destination);
            return HistoryCommands.History(context, new HistoryCommands.HistoryArguments
            {
                StateDir = parse.GetValue(stateDir),
                Source = parse.GetValue(source),
                Destination = parse.GetValue(destination),
                Path = parse.GetValue(path),
                Since = parse.GetValue(since),
                Until = parse.GetValue(until),
                Json = parse.GetValue(json),
            });
        }));
        return command;
    }

    private static Command ControlCommand(CliContext context, string name, ControlRequest request)
    {
        var (stateDir, source, destination) = PairLocator();
        var command = new Command(name, name + " a running sync") { stateDir, source, destination };
        Option<bool>? force = null;
        if (request == ControlRequest.Resume)
        {
            force = new Option<bool>("--force") { Description = "also let a watch apply the batch a safety guard refused, once" };
            command.Add(force);
        }

        command.SetAction(parse => Execute(context, () =>
        {
            RejectOptionLikeArguments(parse, source, destination);
            var what = force is not null && parse.GetValue(force) ? ControlRequest.Force : request;
            return ControlCommands.Request(context, what, parse.GetValue(stateDir), parse.GetValue(source), parse.GetValue(destination));
        }));
        return command;
    }

    private static Command StatusCommand(CliContext context)
    {
        var (stateDir, source, destination) = PairLocator();
        var json = new Option<bool>("--json") { Description = "one JSON object" };
        var command = new Command("status", "show a pair's status") { stateDir, source, destination, json };
        command.SetAction(parse => Execute(context, () =>
        {
            RejectOptionLikeArguments(parse, source, destination);
            return ControlCommands.Status(context, parse.GetValue(stateDir), parse.GetValue(source), parse.GetValue(destination), parse.GetValue(json));
        }));
        return command;
    }

    private static (Option<string?> StateDir, Argument<string?> Source, Argument<string?> Destination) PairLocator() =>
        (Text("--state-dir", "DIR", "state folder"),
         new Argument<string?>("SOURCE") { Arity = ArgumentArity.ZeroOrOne, Description = "the source folder (default state folder)" },
         new Argument<string?>("DESTINATION") { Arity = ArgumentArity.ZeroOrOne, Description = "the destination folder (default state folder)" });

    /// <summary>
    /// System.CommandLine hands an unknown option such as <c>--forse</c> to a free SOURCE or DESTINATION slot. Refuse
    /// argument values that start with '-' unless they come after <c>--</c>, so a typo never becomes a folder name.
    /// Throws <see cref="CliUsageException"/>.
    /// </summary>
    private static void RejectOptionLikeArguments(ParseResult parse, params Argument[] arguments)
    {
        var tokens = parse.Tokens;
        var doubleDash = -1;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Type == System.CommandLine.Parsing.TokenType.DoubleDash)
            {
                doubleDash = i;
                break;
            }
        }

        foreach (var argument in arguments)
        {
            var result = parse.GetResult(argument);
            if (result is null)
            {
                continue;
            }

            foreach (var token in result.Tokens)
            {
                if (token.Value.Length < 2 || token.Value[0] != '-')
                {
                    continue;
                }

                var at = -1;
                for (var i = 0; i < tokens.Count; i++)
                {
                    if (ReferenceEquals(tokens[i], token))
                    {
                        at = i;
                        break;
                    }
                }

                if (doubleDash < 0 || at < doubleDash)
                {
                    throw new CliUsageException($"Unrecognized option '{token.Value}'. (For a folder whose name starts with '-', write ./{token.Value} or put it after '--'.)", parse.CommandResult.Command.Name);
                }
            }
        }
    }

    private static Option<int?> Number(string name, string description) => new(name)
    {
        HelpName = "N",
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                return n;
            }

            result.AddError($"{name}: '{text}' is not a whole number.");
            return null;
        },
    };

    private static Option<string?> Text(string name, string helpName, string description, params string[] completions)
    {
        var option = new Option<string?>(name) { HelpName = helpName, Description = description };
        if (completions.Length > 0)
        {
            option.CompletionSources.Add(completions);
        }

        return option;
    }

    /// <summary>Runs a command body, turning every error into a message on standard error and an exit code.</summary>
    internal static int Execute(CliContext context, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CliUsageException ex)
        {
            context.Error.WriteLine("syncengine: " + ex.Message);
            if (ex.HelpCommand is not null)
            {
                context.Error.WriteLine($"Run 'syncengine {ex.HelpCommand} --help' for usage.");
            }

            return ExitCodes.InvalidInput;
        }
        catch (SyncEngineException ex)
        {
            context.Error.WriteLine(ErrorMessages.Describe(ex));
            return ExitCodes.For(ex);
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("syncengine: cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine("syncengine: error: " + ex.Message);
            return ExitCodes.InvalidInput;
        }
#pragma warning disable CA1031 // The last line of defence: report, never crash with a stack trace and exit code 134.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            context.Error.WriteLine("syncengine: unexpected error: " + ex.GetType().Name + ": " + ex.Message);
            return ExitCodes.ActionsFailed;
        }
        finally
        {
            try
            {
                context.Out.Flush();
            }
            catch (IOException)
            {
                // Standard output was closed (for example piped into 'head'): nothing more to say.
            }
        }
    }

    private static int ReportParseErrors(CliContext context, ParseResult parse)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var error in parse.Errors)
        {
            // "Required argument missing for command: 'plan'" does not say which one: name it.
            var message = error.SymbolResult is System.CommandLine.Parsing.ArgumentResult argument && argument.Tokens.Count == 0
                ? $"{parse.CommandResult.Command.Name}: missing {argument.Argument.Name}."
                : error.Message;
            if (seen.Add(message))
            {
                context.Error.WriteLine("syncengine: " + message);
            }
        }

        var command = parse.CommandResult.Command;
        var name = command is RootCommand ? "" : command.Name + " ";
        context.Error.WriteLine($"Run 'syncengine {name}--help' for usage.");
        return ExitCodes.InvalidInput;
    }

    /// <summary>Prints the hand-written help of the command being parsed.</summary>
    private sealed class PrintHelp : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var command = parseResult.CommandResult.Command;
            parseResult.InvocationConfiguration.Output.Write(HelpText.For(command is RootCommand ? "" : command.Name));
            return ExitCodes.Success;
        }
    }

    /// <summary>Prints <c>syncengine &lt;version&gt;</c>.</summary>
    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine("syncengine " + HelpText.Version);
            return ExitCodes.Success;
        }
    }
}

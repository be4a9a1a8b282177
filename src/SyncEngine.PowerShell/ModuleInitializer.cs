using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace SyncEngine.PowerShell;

/// <summary>
/// Runs when the module is imported and removed: resolves the module's third-party assemblies from its
/// <c>dependencies</c> folder, so another module's copy of the same library cannot break this one. On .NET
/// (PowerShell 7) they load into a load context of their own, reached through
/// <c>AssemblyLoadContext.Default.Resolving</c>; on .NET Framework (Windows PowerShell 5.1) through
/// <c>AppDomain.AssemblyResolve</c> and <c>Assembly.LoadFrom</c>. Both are reached through reflection, since the
/// module targets netstandard2.0.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly object Gate = new();
    private static DependencyResolver? _resolver;
    private static Action? _unhook;

    /// <summary>Hooks the resolver (once per process, however often the module is imported).</summary>
    public void OnImport()
    {
        lock (Gate)
        {
            if (_resolver is not null)
            {
                return;
            }

            var self = typeof(ModuleInitializer).Assembly;
            var moduleFolder = Path.GetDirectoryName(self.Location) ?? AppContext.BaseDirectory;
            _resolver = new DependencyResolver(Path.Combine(moduleFolder, "dependencies"), moduleFolder);
            _unhook = DependencyResolver.IsDotNetCore ? HookLoadContext(_resolver) : HookAppDomain(_resolver);
        }
    }

    /// <summary>Unhooks the resolver.</summary>
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        lock (Gate)
        {
            _unhook?.Invoke();
            _unhook = null;
            _resolver = null;
        }
    }

    private static Action HookAppDomain(DependencyResolver resolver)
    {
        ResolveEventHandler handler = (_, args) =>
        {
            var path = resolver.Find(new AssemblyName(args.Name), args.RequestingAssembly);
            return path is null ? null : Assembly.LoadFrom(path);
        };
        AppDomain.CurrentDomain.AssemblyResolve += handler;
        return () => AppDomain.CurrentDomain.AssemblyResolve -= handler;
    }

    private static Action HookLoadContext(DependencyResolver resolver)
    {
        var alcType = typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext", throwOnError: true)!;
        var defaultContext = alcType.GetProperty("Default", BindingFlags.Public | BindingFlags.Static)!.GetValue(null);
        var resolving = alcType.GetEvent("Resolving")!;

        // A private, non-collectible load context for the dependencies: another module's copy in the default
        // context cannot clash with ours.
        var ctor = alcType.GetConstructor(new[] { typeof(string), typeof(bool) })!;
        var privateContext = ctor.Invoke(new object[] { "SyncEngine dependencies", false });
        var loadFromPath = alcType.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) })!;
        var target = new LoadContextHandler(resolver, path => (Assembly)loadFromPath.Invoke(privateContext, new object[] { path })!);
        var method = typeof(LoadContextHandler).GetMethod(nameof(LoadContextHandler.Resolve))!;
        var handler = Delegate.CreateDelegate(resolving.EventHandlerType!, target, method);
        resolving.AddEventHandler(defaultContext, handler);
        return () => resolving.RemoveEventHandler(defaultContext, handler);
    }

    private sealed class LoadContextHandler
    {
        private readonly DependencyResolver _resolver;
        private readonly Func<string, Assembly> _load;

        public LoadContextHandler(DependencyResolver resolver, Func<string, Assembly> load)
        {
            _resolver = resolver;
            _load = load;
        }

        // Bound to Func<AssemblyLoadContext, AssemblyName, Assembly?> (the context parameter is taken as object).
        public Assembly? Resolve(object context, AssemblyName name)
        {
            var path = _resolver.Find(name, null);
            return path is null ? null : _load(path);
        }
    }
}

/// <summary>
/// Decides which file answers an assembly request: a DLL of that name in the dependencies folder (the list is the
/// folder's content, computed at import, not hand-maintained), whose version is at least the one asked for, and only
/// for requests that come from this module (or when the requester is unknown).
/// </summary>
internal sealed class DependencyResolver
{
    private readonly Dictionary<string, string> _files = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _moduleFolder;

    public DependencyResolver(string dependencyFolder, string moduleFolder)
    {
        DependencyFolder = dependencyFolder;
        _moduleFolder = Path.GetFullPath(moduleFolder);
        if (Directory.Exists(dependencyFolder))
        {
            foreach (var file in Directory.GetFiles(dependencyFolder, "*.dll"))
            {
                _files[Path.GetFileNameWithoutExtension(file)] = file;
            }
        }
    }

    /// <summary>True on .NET (Core), where AssemblyLoadContext exists.</summary>
    public static bool IsDotNetCore => typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext") is not null;

    /// <summary>The folder the dependencies are in.</summary>
    public string DependencyFolder { get; }

    /// <summary>The names (without .dll) this resolver answers for.</summary>
    public IReadOnlyCollection<string> Names => _files.Keys;

    /// <summary>The file to load for <paramref name="name"/>, or null to let the runtime (or another handler) decide.</summary>
    public string? Find(AssemblyName name, Assembly? requestingAssembly)
    {
        if (name.Name is null || !_files.TryGetValue(name.Name, out var path))
        {
            return null;
        }

        if (requestingAssembly is not null && !IsOurs(requestingAssembly))
        {
            return null;
        }

        if (name.Version is not null)
        {
            Version? available;
            try
            {
                available = AssemblyName.GetAssemblyName(path).Version;
            }
            catch (Exception ex) when (ex is BadImageFormatException or IOException or ArgumentException)
            {
                return null;
            }

            if (available is not null && available < name.Version)
            {
                return null;
            }
        }

        return path;
    }

    private bool IsOurs(Assembly assembly)
    {
        string location;
        try
        {
            location = assembly.Location;
        }
        catch (NotSupportedException)
        {
            return false;
        }

        if (string.IsNullOrEmpty(location))
        {
            return false;
        }

        var full = Path.GetFullPath(location);
        var root = _moduleFolder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return full.StartsWith(root, comparison);
    }
}

namespace System.Runtime.CompilerServices
{
    /// <summary>Lets netstandard2.0 compile <c>init</c> accessors.</summary>
    internal static class IsExternalInit
    {
    }
}

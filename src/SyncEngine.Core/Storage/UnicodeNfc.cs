using System;
using System.Text;

namespace SyncEngine.Storage;

/// <summary>
/// Unicode Normalization Form C (UAX #15), written here rather than taken from <see cref="string.Normalize(NormalizationForm)"/>.
/// </summary>
/// <remarks>
/// <para>Why by hand: the runtime's normalization comes from ICU (or the OS). The CLI is built with invariant
/// globalization, where <c>Normalize</c> returns its input and <c>IsNormalized</c> says yes to anything, while the
/// PowerShell module runs with the host's full globalization; a name compared in NFC by one front end and as written by
/// the other would key one tree two ways. No maintained package does NFC without ICU, so Core carries its own: one
/// behaviour in every host, whatever its globalization setting, and one Unicode version (<see cref="UnicodeVersion"/>;
/// a code point assigned later is a starter with no mapping here, as it is to any normalizer of that version).</para>
/// <para>What is by hand: this algorithm (canonical decomposition, applied recursively, Hangul syllables computed; canonical
/// ordering by combining class; canonical composition, with the composition exclusions and Hangul computed). The data in
/// <c>UnicodeNfc.Data.g.cs</c> is generated from the Unicode Character Database by <c>tools/UnicodeNfc/generate.py</c>.
/// Tests compare the result with ICU's for every code point and many sequences.</para>
/// <para>Strings are read as UTF-16 with surrogate pairs as one code point; an unpaired surrogate (a Windows name can
/// hold one) is kept as it is, a starter that composes with nothing, as ICU keeps it.</para>
/// </remarks>
internal static partial class UnicodeNfc
{
    private const int SBase = 0xAC00;
    private const int LBase = 0x1100;
    private const int VBase = 0x1161;
    private const int TBase = 0x11A7;
    private const int LCount = 19;
    private const int VCount = 21;
    private const int TCount = 28;
    private const int NCount = VCount * TCount;
    private const int SCount = LCount * NCount;
    private const ulong PrimaryCompositeBit = 1UL << 42;

    private enum QuickCheck
    {
        Yes,
        Maybe,
        No,
    }

    /// <summary>The NFC form of <paramref name="text"/>; the same instance when it is already NFC.</summary>
    public static string Normalize(string text)
    {
        var start = UnstableFrom(text);
        if (start < 0)
        {
            return text;
        }

        var codePoints = new CodePointBuffer(text.Length - start + 8);
        for (var i = start; i < text.Length; i++)
        {
            var cp = ReadCodePoint(text, ref i);
            Decompose(cp, ref codePoints);
        }

        Reorder(codePoints.Items, codePoints.Count);
        var count = Compose(codePoints.Items, codePoints.Count);

        var sb = new StringBuilder(text.Length);
        sb.Append(text, 0, start);
        for (var i = 0; i < count; i++)
        {
            var cp = codePoints.Items[i];
            if (cp >= 0x10000)
            {
                cp -= 0x10000;
                sb.Append((char)(0xD800 + (cp >> 10))).Append((char)(0xDC00 + (cp & 0x3FF)));
            }
            else
            {
                sb.Append((char)cp);
            }
        }

        var result = sb.ToString();
        return string.Equals(result, text, StringComparison.Ordinal) ? text : result;
    }

    /// <summary>True when <paramref name="text"/> is in NFC.</summary>
    public static bool IsNormalized(string text) => ReferenceEquals(Normalize(text), text);

    /// <summary>
    /// The canonical combining class of a code point (0 for starters, unassigned code points and unpaired surrogates).
    /// </summary>
    internal static int CombiningClass(int cp)
    {
        if (cp < QuickCheckBelow)
        {
            return 0;
        }

        // The last range starting at or before cp; no class is 255, so the key never equals an entry.
        var index = ~Array.BinarySearch(CombiningClasses, (cp << 8) | 0xFF) - 1;
        return index < 0 ? 0 : CombiningClasses[index] & 0xFF;
    }

    /// <summary>
    /// -1 when the quick check (UAX #15) proves <paramref name="text"/> NFC, else the index of the last normalization
    /// boundary before the first code point that fails it: the text before that index is NFC and stays as it is.
    /// </summary>
    private static int UnstableFrom(string text)
    {
        var i = 0;
        while (i < text.Length && text[i] < QuickCheckBelow)
        {
            i++;
        }

        if (i == text.Length)
        {
            return -1;
        }

        // Every code point before i is a starter that nothing composes onto: a boundary before each.
        var boundary = i > 0 ? i - 1 : 0;
        var lastClass = 0;
        for (; i < text.Length; i++)
        {
            var at = i;
            var cp = ReadCodePoint(text, ref i);
            var combiningClass = CombiningClass(cp);
            if (combiningClass != 0 && lastClass > combiningClass)
            {
                return boundary;
            }

            var check = QuickCheckOf(cp);
            if (check != QuickCheck.Yes)
            {
                return boundary;
            }

            if (combiningClass == 0)
            {
                boundary = at;
            }

            lastClass = combiningClass;
        }

        return -1;
    }

    /// <summary>NFC_Quick_Check of a code point.</summary>
    private static QuickCheck QuickCheckOf(int cp)
    {
        if (cp < QuickCheckBelow)
        {
            return QuickCheck.Yes;
        }

        if (cp is >= VBase and < VBase + VCount or > TBase and < TBase + TCount)
        {
            return QuickCheck.Maybe;
        }

        if (cp - SBase is >= 0 and < SCount)
        {
            return QuickCheck.Yes;
        }

        var index = FindDecomposition(cp);
        if (index >= 0 && (Decompositions[index] & PrimaryCompositeBit) == 0)
        {
            return QuickCheck.No;
        }

        return Array.BinarySearch(Compositions.Seconds, cp) >= 0 ? QuickCheck.Maybe : QuickCheck.Yes;
    }

    /// <summary>The index of cp's entry in <see cref="Decompositions"/>, or -1.</summary>
    private static int FindDecomposition(int cp)
    {
        var lo = 0;
        var hi = Decompositions.Length - 1;
        var key = (ulong)cp;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var at = Decompositions[mid] >> 43;
            if (at == key)
            {
                return mid;
            }

            if (at < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    /// <summary>Appends the full canonical decomposition of cp.</summary>
    private static void Decompose(int cp, ref CodePointBuffer output)
    {
        var s = cp - SBase;
        if (s is >= 0 and < SCount)
        {
            output.Add(LBase + (s / NCount));
            output.Add(VBase + (s % NCount / TCount));
            if (s % TCount != 0)
            {
                output.Add(TBase + (s % TCount));
            }

            return;
        }

        // Not QuickCheckBelow: code points below it decompose too (NFC composes them again).
        var index = cp < FirstDecomposition ? -1 : FindDecomposition(cp);
        if (index < 0)
        {
            output.Add(cp);
            return;
        }

        var entry = Decompositions[index];
        Decompose((int)((entry >> 21) & 0x1FFFFF), ref output);
        var second = (int)(entry & 0x1FFFFF);
        if (second != 0)
        {
            Decompose(second, ref output);
        }
    }

    /// <summary>The canonical ordering algorithm: each run of non-starters sorted by combining class, stably.</summary>
    private static void Reorder(int[] items, int count)
    {
        for (var i = 1; i < count; i++)
        {
            var combiningClass = CombiningClass(items[i]);
            if (combiningClass == 0)
            {
                continue;
            }

            var cp = items[i];
            var j = i;
            while (j > 0 && CombiningClass(items[j - 1]) > combiningClass)
            {
                items[j] = items[j - 1];
                j--;
            }

            items[j] = cp;
        }
    }

    /// <summary>The canonical composition algorithm, in place; returns the new length.</summary>
    private static int Compose(int[] items, int count)
    {
        if (count == 0)
        {
            return 0;
        }

        var starter = 0;
        var lastClass = CombiningClass(items[0]);
        if (lastClass != 0)
        {
            // No starter yet: nothing composes onto a leading non-starter.
            lastClass = 256;
        }

        var written = 1;
        for (var i = 1; i < count; i++)
        {
            var cp = items[i];
            var combiningClass = CombiningClass(cp);

            // cp composes with the last starter unless blocked: a character between them of class 0 or of cp's class or higher.
            if (lastClass < combiningClass || lastClass == 0)
            {
                var composite = Composite(items[starter], cp);
                if (composite >= 0)
                {
                    items[starter] = composite;
                    continue;
                }
            }

            if (combiningClass == 0)
            {
                starter = written;
            }

            lastClass = combiningClass;
            items[written++] = cp;
        }

        return written;
    }

    /// <summary>The primary composite of a pair, or -1.</summary>
    private static int Composite(int first, int second)
    {
        var l = first - LBase;
        if (l is >= 0 and < LCount)
        {
            var v = second - VBase;
            return v is >= 0 and < VCount ? SBase + (((l * VCount) + v) * TCount) : -1;
        }

        var s = first - SBase;
        if (s is >= 0 and < SCount)
        {
            var t = second - TBase;
            return s % TCount == 0 && t is > 0 and < TCount ? first + t : -1;
        }

        var index = Array.BinarySearch(Compositions.Pairs, ((ulong)first << 21) | (uint)second);
        return index >= 0 ? Compositions.Composites[index] : -1;
    }

    /// <summary>The code point at text[i] (a surrogate pair read as one; i left on its last char).</summary>
    private static int ReadCodePoint(string text, ref int i)
    {
        var c = text[i];
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            i++;
            return char.ConvertToUtf32(c, text[i]);
        }

        return c;
    }

    /// <summary>The composition table, built from the primary composites on first use.</summary>
    private static class Compositions
    {
        /// <summary>(first &lt;&lt; 21) | second of each primary composite's mapping, sorted.</summary>
        internal static readonly ulong[] Pairs;

        /// <summary>The composite of each entry of <see cref="Pairs"/>.</summary>
        internal static readonly int[] Composites;

        /// <summary>Every code point that is the second of a pair (NFC_Quick_Check Maybe, Hangul apart), sorted.</summary>
        internal static readonly int[] Seconds;

        static Compositions()
        {
            var count = 0;
            foreach (var entry in Decompositions)
            {
                if ((entry & PrimaryCompositeBit) != 0)
                {
                    count++;
                }
            }

            Pairs = new ulong[count];
            Composites = new int[count];
            var seconds = new int[count];
            var n = 0;
            foreach (var entry in Decompositions)
            {
                if ((entry & PrimaryCompositeBit) != 0)
                {
                    Pairs[n] = entry & ((1UL << 42) - 1);
                    Composites[n] = (int)(entry >> 43);
                    seconds[n] = (int)(entry & 0x1FFFFF);
                    n++;
                }
            }

            Array.Sort(Pairs, Composites);
            Array.Sort(seconds);
            var distinct = 0;
            for (var i = 0; i < seconds.Length; i++)
            {
                if (distinct == 0 || seconds[distinct - 1] != seconds[i])
                {
                    seconds[distinct++] = seconds[i];
                }
            }

            Array.Resize(ref seconds, distinct);
            Seconds = seconds;
        }
    }

    /// <summary>A growable array of code points.</summary>
    private struct CodePointBuffer
    {
        public int[] Items;
        public int Count;

        public CodePointBuffer(int capacity)
        {
            Items = new int[capacity];
            Count = 0;
        }

        public void Add(int cp)
        {
            if (Count == Items.Length)
            {
                Array.Resize(ref Items, Items.Length * 2);
            }

            Items[Count++] = cp;
        }
    }
}

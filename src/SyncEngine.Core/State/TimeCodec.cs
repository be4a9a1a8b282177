using System;

namespace SyncEngine.State;

/// <summary>
/// Modification times in state files: Unix seconds with up to 7 decimals (exact to the tick). The decimal forms are
/// the definition; the integer fast paths give exactly the same results for the plain forms the engine writes
/// (<c>-?digits(.digits)?</c>) and decline everything else (exponents, more than 7 decimals, huge values), which then
/// goes through the decimal path.
/// </summary>
internal static class TimeCodec
{
    private const long UnixEpochTicks = 621355968000000000L;
    private const long TicksPerSecond = 10_000_000L;

    /// <summary>The longest text <see cref="FormatUnixSeconds"/> writes: a sign, 12 digits, a point and 7 decimals.</summary>
    public const int MaxFormattedLength = 21;

    public static decimal ToUnixSeconds(long ticks) => (ticks - UnixEpochTicks) / 10_000_000m;

    public static long FromUnixSeconds(decimal seconds) => checked((long)decimal.Round(seconds * 10_000_000m, 0) + UnixEpochTicks);

    private static ReadOnlySpan<int> FractionScale => new[] { 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1 };

    /// <summary>
    /// Parses <c>-?(0|[1-9][0-9]{0,11})(\.[0-9]{1,7})?</c> (UTF-8, the whole span) straight to ticks; false for any
    /// other form, including valid JSON numbers the decimal path accepts, and for values near the range's ends
    /// (where the decimal path decides whether they overflow).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    public static bool TryParseTicks(ReadOnlySpan<byte> text, out long ticks)
    {
        ticks = 0;
        var i = 0;
        var negative = false;
        if (i < text.Length && text[i] == (byte)'-')
        {
            negative = true;
            i++;
        }

        var intStart = i;
        long seconds = 0;
        while (i < text.Length && (uint)(text[i] - '0') <= 9)
        {
            if (i - intStart == 12)
            {
                return false;
            }

            seconds = (seconds * 10) + (text[i] - '0');
            i++;
        }

        var intDigits = i - intStart;
        if (intDigits == 0 || (intDigits > 1 && text[intStart] == (byte)'0'))
        {
            return false;
        }

        long fraction = 0;
        if (i < text.Length && text[i] == (byte)'.')
        {
            i++;
            var fracStart = i;
            while (i < text.Length && (uint)(text[i] - '0') <= 9)
            {
                if (i - fracStart == 7)
                {
                    return false;
                }

                fraction = (fraction * 10) + (text[i] - '0');
                i++;
            }

            var fracDigits = i - fracStart;
            if (fracDigits == 0)
            {
                return false;
            }

            fraction *= FractionScale[fracDigits];
        }

        if (i != text.Length)
        {
            return false;
        }

        if (seconds > 900_000_000_000)
        {
            return false;
        }

        var value = (seconds * TicksPerSecond) + fraction;
        if (!negative && value > long.MaxValue - UnixEpochTicks)
        {
            return false;
        }

        ticks = (negative ? -value : value) + UnixEpochTicks;
        return true;
    }

    /// <summary>
    /// Writes the same UTF-8 text as a JSON writer gives for <see cref="ToUnixSeconds"/>: the seconds, and the
    /// fraction without trailing zeros (no point when it is zero). Returns the length written.
    /// </summary>
    public static int FormatUnixSeconds(long ticks, Span<byte> destination)
    {
        var v = unchecked(ticks - UnixEpochTicks);
        var magnitude = v < 0 ? unchecked((ulong)(-(v + 1)) + 1) : (ulong)v;
        var seconds = magnitude / TicksPerSecond;
        var fraction = (int)(magnitude % TicksPerSecond);
        var n = 0;
        if (v < 0)
        {
            destination[n++] = (byte)'-';
        }

        Span<byte> digits = stackalloc byte[20];
        var d = 0;
        do
        {
            digits[d++] = (byte)('0' + (int)(seconds % 10));
            seconds /= 10;
        }
        while (seconds != 0);

        while (d > 0)
        {
            destination[n++] = digits[--d];
        }

        if (fraction != 0)
        {
            destination[n++] = (byte)'.';
            var width = 7;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                width--;
            }

            for (var k = width - 1; k >= 0; k--)
            {
                destination[n + k] = (byte)('0' + (fraction % 10));
                fraction /= 10;
            }

            n += width;
        }

        return n;
    }
}

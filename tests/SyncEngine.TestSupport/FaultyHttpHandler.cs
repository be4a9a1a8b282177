using System;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SyncEngine.TestSupport;

/// <summary>
/// A delegating HTTP handler between an S3 client and the store that answers chosen requests itself: 503 SlowDown (a
/// throttling storm), or a dropped connection, for as many requests as <see cref="Remaining"/> says (negative: for
/// ever). Requests it lets through go to the store unchanged. Counts what it saw.
/// </summary>
public sealed class FaultyHttpHandler : DelegatingHandler
{
    /// <summary>Wraps <paramref name="inner"/>, faulting as <paramref name="plan"/> says (shared by every client the SDK makes).</summary>
    public FaultyHttpHandler(HttpMessageHandler inner, HttpFaultPlan plan)
        : base(inner)
    {
        Plan = plan;
    }

    /// <summary>What to fault, and the counts.</summary>
    public HttpFaultPlan Plan { get; }

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Plan.Take(request))
        {
            if (Plan.Drop)
            {
                throw new HttpRequestException("injected: the connection was reset", new System.IO.IOException("injected: connection reset by peer"));
            }

            var body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>injected</RequestId></Error>";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            {
                RequestMessage = request,
                Content = new StringContent(body, Encoding.UTF8, "application/xml"),
            });
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Which requests a <see cref="FaultyHttpHandler"/> faults, how many more, and how many it saw.</summary>
public sealed class HttpFaultPlan
{
    private int _remaining;
    private int _seen;
    private int _faulted;

    /// <summary>Which requests are faulted (all by default).</summary>
    public Func<HttpRequestMessage, bool> Affects { get; set; } = _ => true;

    /// <summary>True: the connection "drops" (an HttpRequestException) instead of a 503 answer.</summary>
    public bool Drop { get; set; }

    /// <summary>How many more requests are faulted (negative: all of them).</summary>
    public int Remaining
    {
        get => Volatile.Read(ref _remaining);
        set => Volatile.Write(ref _remaining, value);
    }

    /// <summary>Requests seen.</summary>
    public int Seen => Volatile.Read(ref _seen);

    /// <summary>Requests faulted.</summary>
    public int Faulted => Volatile.Read(ref _faulted);

    /// <summary>Whether to fault this request (and counts it).</summary>
    public bool Take(HttpRequestMessage request)
    {
        Interlocked.Increment(ref _seen);
        if (!Affects(request))
        {
            return false;
        }

        while (true)
        {
            var left = Volatile.Read(ref _remaining);
            if (left == 0)
            {
                return false;
            }

            if (left < 0 || Interlocked.CompareExchange(ref _remaining, left - 1, left) == left)
            {
                Interlocked.Increment(ref _faulted);
                return true;
            }
        }
    }
}

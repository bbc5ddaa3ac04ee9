using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace KernelDsl.Runtime;

/// <summary>A piece of work divided into numbered chunks that may run on any thread.</summary>
internal interface IParallelJob
{
    void RunChunk(int chunkIndex);
}

/// <summary>
/// Runs the chunks of one job on the calling thread plus thread-pool helpers, without allocating
/// after a thread's first call: each calling thread keeps one batch per job type and reuses it for
/// every run. Helpers claim chunks from a shared counter, so a helper that starts late (or never, on
/// a starved pool) only means the caller does more of the work itself; the caller returns when every
/// chunk has finished.
/// </summary>
/// <remarks>
/// <para>
/// The thread pool cannot take back a queued item, so a helper queued for one run may start during a
/// later one, or between two. Such a helper is not waited for and not replaced: it joins whatever run
/// is open when it starts (claiming that run's chunks like any other helper), or finds nothing to
/// claim and leaves; a run queues only as many helpers as are not already waiting in the pool. An
/// earlier design kept a few batches per thread, each busy until every helper queued for it had run,
/// and allocated a new batch when all were busy: a few bytes per call on average under back-to-back
/// calls, since helpers fall behind then.
/// </para>
/// <para>
/// The one hazard is a helper reading the job while the caller rewrites it for the next run. The
/// caller closes the batch (<see cref="_open"/> = 0), waits until no helper is inside
/// <see cref="IThreadPoolWorkItem.Execute"/>, rewrites the job and opens it again. A helper counts
/// itself inside before it reads <see cref="_open"/>, and both sides use full fences (interlocked
/// operations), so either the caller sees the helper inside and waits for it, or the helper sees the
/// batch closed and leaves without touching the job.
/// </para>
/// </remarks>
internal sealed class ParallelBatch<TJob> : IThreadPoolWorkItem where TJob : struct, IParallelJob
{
    [ThreadStatic]
    private static ParallelBatch<TJob>? t_batch;

    private readonly ManualResetEventSlim _allChunksDone = new(initialState: false, spinCount: 200);
    private TJob _job;
    private int _chunkCount;
    private int _nextChunk;
    private int _pendingChunks;
    private Exception? _error;

    /// <summary>1 while a run's job may be read by helpers; 0 while the caller rewrites it.</summary>
    private int _open;

    /// <summary>Helpers inside <see cref="IThreadPoolWorkItem.Execute"/> right now.</summary>
    private int _inside;

    /// <summary>Helpers queued on the thread pool that have not started yet.</summary>
    private int _queued;

    /// <summary>How many helpers this run may use, and how many have joined it.</summary>
    private int _helperLimit;
    private int _helpersJoined;

    /// <summary>Runs chunks 0..<paramref name="chunkCount"/>-1 of <paramref name="job"/> on up to <paramref name="workers"/> threads.</summary>
    public static void Run(in TJob job, int chunkCount, int workers)
    {
        ParallelBatch<TJob> batch = t_batch ??= new ParallelBatch<TJob>();
        int helpers = Math.Min(workers, chunkCount) - 1;
        batch.Open(job, chunkCount, helpers);
        batch.QueueHelpers(helpers);
        batch.RunChunks();
        if (Volatile.Read(ref batch._pendingChunks) != 0)
        {
            batch._allChunksDone.Wait();
        }

        if (batch._error is { } error)
        {
            batch._error = null;
            ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>Closes the batch, waits out any helper still inside it, and opens it for <paramref name="job"/>.</summary>
    private void Open(in TJob job, int chunkCount, int helperLimit)
    {
        Interlocked.Exchange(ref _open, 0);
        var spin = new SpinWait();
        while (Volatile.Read(ref _inside) != 0)
        {
            // A helper inside finds every chunk of the last run claimed and leaves within a few
            // instructions, unless it was preempted there: SpinOnce then yields the core to it.
            spin.SpinOnce();
        }

        _job = job;
        _chunkCount = chunkCount;
        _nextChunk = 0;
        _pendingChunks = chunkCount;
        _error = null;
        _helperLimit = helperLimit;
        _helpersJoined = 0;
        _allChunksDone.Reset();
        Interlocked.Exchange(ref _open, 1);
    }

    /// <summary>Queues helpers until <paramref name="wanted"/> are waiting in the pool, counting those queued by earlier runs.</summary>
    private void QueueHelpers(int wanted)
    {
        for (int missing = wanted - Volatile.Read(ref _queued); missing > 0; missing--)
        {
            Interlocked.Increment(ref _queued);
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        Interlocked.Decrement(ref _queued);
        Interlocked.Increment(ref _inside);
        // Helpers queued for an earlier, wider run may outnumber this run's: only its limit join.
        if (Volatile.Read(ref _open) != 0 && Interlocked.Increment(ref _helpersJoined) <= _helperLimit)
        {
            RunChunks();
        }

        Interlocked.Decrement(ref _inside);
    }

    private void RunChunks()
    {
        while (true)
        {
            int chunk = Interlocked.Increment(ref _nextChunk) - 1;
            if (chunk >= _chunkCount)
            {
                return;
            }

            try
            {
                _job.RunChunk(chunk);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }

            if (Interlocked.Decrement(ref _pendingChunks) == 0)
            {
                _allChunksDone.Set();
            }
        }
    }
}

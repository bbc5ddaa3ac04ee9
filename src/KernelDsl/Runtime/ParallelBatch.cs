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
/// Runs the chunks of one job on the calling thread plus thread-pool helpers, without allocating in
/// the steady state: each calling thread keeps a few batches per job type and reuses one once every
/// helper queued for its previous run has checked out (a helper can wake after the caller has
/// finished all the chunks, so the batch it holds stays busy a little longer). Helpers claim chunks from a shared counter,
/// so a helper that starts late (or never, on a starved pool) only means the caller does more of
/// the work itself; the caller returns when every chunk has finished.
/// </summary>
internal sealed class ParallelBatch<TJob> : IThreadPoolWorkItem where TJob : struct, IParallelJob
{
    /// <summary>Batches a thread keeps for reuse: enough that late helpers rarely force a new one.</summary>
    private const int CachedPerThread = 4;

    [ThreadStatic]
    private static ParallelBatch<TJob>?[]? t_cached;

    private readonly ManualResetEventSlim _allChunksDone = new(initialState: false, spinCount: 200);
    private TJob _job;
    private int _chunkCount;
    private int _nextChunk;
    private int _pendingChunks;
    private int _references;
    private Exception? _error;

    /// <summary>Runs chunks 0..<paramref name="chunkCount"/>-1 of <paramref name="job"/> on up to <paramref name="workers"/> threads.</summary>
    public static void Run(in TJob job, int chunkCount, int workers)
    {
        ParallelBatch<TJob> batch = Rent();
        int helpers = Math.Min(workers, chunkCount) - 1;
        batch.Start(job, chunkCount, references: helpers + 1);
        for (int i = 0; i < helpers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(batch, preferLocal: false);
        }

        batch.RunChunks();
        if (Volatile.Read(ref batch._pendingChunks) != 0)
        {
            batch._allChunksDone.Wait();
        }

        Exception? error = batch._error;
        batch.CheckOut();
        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    private static ParallelBatch<TJob> Rent()
    {
        ParallelBatch<TJob>?[] cache = t_cached ??= new ParallelBatch<TJob>?[CachedPerThread];
        for (int i = 0; i < cache.Length; i++)
        {
            ParallelBatch<TJob>? batch = cache[i];
            if (batch is null)
            {
                return cache[i] = new ParallelBatch<TJob>();
            }

            if (Volatile.Read(ref batch._references) == 0)
            {
                return batch;
            }
        }

        // Every cached batch still has a helper checking out: use a fresh one this time.
        return new ParallelBatch<TJob>();
    }

    private void Start(in TJob job, int chunkCount, int references)
    {
        _job = job;
        _chunkCount = chunkCount;
        _nextChunk = 0;
        _pendingChunks = chunkCount;
        _error = null;
        _allChunksDone.Reset();
        Volatile.Write(ref _references, references);
    }

    void IThreadPoolWorkItem.Execute()
    {
        RunChunks();
        CheckOut();
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

    private void CheckOut() => Interlocked.Decrement(ref _references);
}

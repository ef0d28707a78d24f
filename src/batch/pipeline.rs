//! The pipeline of a batch job: one thread reads batches, a pool of
//! workers processes them, and the calling thread consumes the results in
//! input order, with at most `2 × threads + 1` batches in flight.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use rayon::prelude::*;

use super::source::{RawBatch, Source};
use crate::error::{Error, Result};

// The pipeline

/// The worker threads a job runs on: `threads`, or every core for 0.
pub(crate) fn worker_threads(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

/// Runs `process` over every batch of `source` on `threads` workers (0: all
/// cores) and hands the results to `consume` on the calling thread, in input
/// order. At most `2 × threads + 1` batches are in flight. Stops at the first
/// error (of reading, processing or consuming) and returns it.
pub(crate) fn run<T, P, C>(
    mut source: Source,
    threads: usize,
    process: &P,
    mut consume: C,
) -> Result<()>
where
    T: Send,
    P: Fn(RawBatch) -> Result<T> + Sync,
    C: FnMut(T) -> Result<()>,
{
    let threads = worker_threads(threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("leadscore-worker-{i}"))
        .build()
        .map_err(|e| Error::Internal {
            what: format!("starting {threads} worker threads: {e}"),
        })?;
    let in_flight = 2 * threads + 1;
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (raw_tx, raw_rx) = mpsc::sync_channel::<(usize, RawBatch)>(in_flight);
        let (ticket_tx, ticket_rx) = mpsc::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel::<(usize, Result<T>)>();
        for _ in 0..in_flight {
            let _ = ticket_tx.send(());
        }
        let stop = &stop;
        let reader = s.spawn(move || -> Result<()> {
            let mut seq = 0;
            while ticket_rx.recv().is_ok() && !stop.load(Ordering::Relaxed) {
                match source.next_batch()? {
                    None => break,
                    Some(batch) => {
                        if raw_tx.send((seq, batch)).is_err() {
                            break;
                        }
                        seq += 1;
                    }
                }
            }
            Ok(())
        });
        s.spawn(move || {
            pool.install(|| {
                raw_rx
                    .into_iter()
                    .par_bridge()
                    .for_each_with(done_tx, |tx, (seq, batch)| {
                        // After a failure nobody waits for more results.
                        if !stop.load(Ordering::Relaxed) {
                            let _ = tx.send((seq, process(batch)));
                        }
                    })
            })
        });
        let mut pending: BTreeMap<usize, Result<T>> = BTreeMap::new();
        let mut next = 0;
        let mut consumed: Result<()> = Ok(());
        'outer: for (seq, result) in done_rx.iter() {
            pending.insert(seq, result);
            while let Some(result) = pending.remove(&next) {
                next += 1;
                if let Err(e) = result.and_then(&mut consume) {
                    consumed = Err(e);
                    break 'outer;
                }
                let _ = ticket_tx.send(());
            }
        }
        if consumed.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        drop(ticket_tx);
        drop(done_rx);
        let read = reader.join().unwrap_or_else(|_| {
            Err(Error::Internal {
                what: "the thread reading the input stopped unexpectedly".into(),
            })
        });
        // A consuming error is about an earlier batch than any reading error.
        consumed.and(read)
    })
}

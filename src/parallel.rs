//! One worker pool for "run each item, keep the items' order": `spelunk
//! test` over its cases and `spelunk hunt` over its detections.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Runs `work` on every item over `jobs` threads (0: one per core; at most
/// [`crate::engine::MAX_THREADS`]; never more than the items). Results keep
/// the items' order; an item whose worker panicked gives `None`.
#[cfg(test)]
pub fn map_ordered<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<Option<R>> {
    map_ordered_observed(items, jobs, work, &|| {})
}

/// [`map_ordered`], calling `done` once as each item finishes (from the
/// worker that ran it), so a caller can show progress.
pub fn map_ordered_observed<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> R + Sync,
    done: &(dyn Fn() + Sync),
) -> Vec<Option<R>> {
    let jobs = match jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(crate::engine::MAX_THREADS)
    .min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(i) else { break };
        let result = work(item);
        // A worker that panicked poisons the lock; the other results are
        // still good.
        let mut slots = slots.lock().unwrap_or_else(|e| e.into_inner());
        slots[i] = Some(result);
        drop(slots);
        done();
    };
    std::thread::scope(|scope| {
        // This thread is one of the workers.
        for _ in 1..jobs {
            // The system may refuse a thread: those it gave (and this one)
            // do the work.
            if std::thread::Builder::new()
                .spawn_scoped(scope, worker)
                .is_err()
            {
                break;
            }
        }
        worker();
    });
    slots.into_inner().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_over_threads() {
        let items: Vec<usize> = (0..100).collect();
        let out = super::map_ordered(&items, 4, |n| n * 2);
        assert_eq!(out, (0..100).map(|n| Some(n * 2)).collect::<Vec<_>>());
        assert!(super::map_ordered(&[] as &[usize], 0, |n| *n).is_empty());
        let finished = std::sync::atomic::AtomicUsize::new(0);
        let out = super::map_ordered_observed(&items, 3, |n| n + 1, &|| {
            finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        assert_eq!(out.len(), 100);
        assert_eq!(finished.into_inner(), 100);
    }
}

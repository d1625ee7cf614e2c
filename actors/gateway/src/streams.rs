//! Caps on open `GET /events` streams: per remote address and per node
//! (`[http] sse_per_address`, `sse_per_node`). Each stream holds a [`StreamSlot`]; dropping it
//! (the client went away, the stream ended) frees the slot at once, so the count is always the
//! streams actually open.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Open streams by remote address, and the caps.
#[derive(Debug)]
pub struct StreamCaps {
    per_address: usize,
    per_node: usize,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// Which cap a refused stream hit: the setting's name and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapReached {
    /// `http.sse_per_address` or `http.sse_per_node`.
    pub setting: &'static str,
    /// The cap.
    pub limit: usize,
}

/// One open stream's place; frees it when dropped.
#[derive(Debug)]
pub struct StreamSlot {
    caps: Arc<StreamCaps>,
    address: IpAddr,
}

impl StreamCaps {
    /// Caps of `per_address` streams from one address and `per_node` in all.
    pub fn new(per_address: usize, per_node: usize) -> Arc<StreamCaps> {
        Arc::new(StreamCaps {
            per_address,
            per_node,
            open: Mutex::new(Open::default()),
        })
    }

    fn open(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A slot for one more stream from `address`, or the cap it would exceed.
    pub fn acquire(self: &Arc<Self>, address: IpAddr) -> Result<StreamSlot, CapReached> {
        let mut open = self.open();
        if open.total >= self.per_node {
            return Err(CapReached {
                setting: "http.sse_per_node",
                limit: self.per_node,
            });
        }
        let mine = open.by_address.entry(address).or_insert(0);
        if *mine >= self.per_address {
            return Err(CapReached {
                setting: "http.sse_per_address",
                limit: self.per_address,
            });
        }
        *mine += 1;
        open.total += 1;
        Ok(StreamSlot {
            caps: self.clone(),
            address,
        })
    }

    /// Streams open now.
    pub fn open_streams(&self) -> usize {
        self.open().total
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.caps.open();
        open.total = open.total.saturating_sub(1);
        if let Some(count) = open.by_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.by_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_address_and_per_node_and_frees_on_drop() {
        let caps = StreamCaps::new(2, 3);
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let first = caps.acquire(a).unwrap();
        let _second = caps.acquire(a).unwrap();
        assert_eq!(caps.acquire(a).unwrap_err().setting, "http.sse_per_address");
        let _third = caps.acquire(b).unwrap();
        assert_eq!(caps.acquire(b).unwrap_err().setting, "http.sse_per_node");
        drop(first);
        assert_eq!(caps.open_streams(), 2);
        assert!(caps.acquire(a).is_ok());
    }
}

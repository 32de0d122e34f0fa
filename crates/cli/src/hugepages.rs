//! Transparent huge pages for the large buffers of a feature extraction (Linux).
//!
//! A CT volume, its mask and the FFT grids of Moran's I are tens of megabytes each, allocated once and touched once.
//! With 4 KiB pages the kernel takes a page fault, zeroes a page and charges it to the process every 4 KiB: on the
//! PyRadiomics sample lung1 that was a third of the run (31 000 faults). The system allocator is kept; buffers of at
//! least [`LARGE`] bytes are only advised (`MADV_HUGEPAGE`) to be backed by 2 MiB pages when they are first touched,
//! which Linux honours in its default `madvise` mode. glibc can do the same (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`)
//! but only from the environment at start-up, and no allocator crate offers it alone, hence these few lines.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};

/// Buffers at least this large are advised to use huge pages.
const LARGE: usize = 4 << 20;
const HUGE_PAGE: usize = 2 << 20;

/// The system allocator, with huge-page advice for large buffers.
pub struct Allocator;

// SAFETY: every call forwards to the system allocator with the caller's own arguments, so its guarantees carry over;
// `advise` only changes how the kernel backs pages of a live allocation, never their contents.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        let p = unsafe { System.alloc(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the caller upholds `realloc`'s contract on `new_size`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        advise(p, new_size);
        p
    }
}

/// Advises huge pages for the 2 MiB-aligned part of `[p, p + size)`.
fn advise(p: *mut u8, size: usize) {
    if p.is_null() || size < LARGE {
        return;
    }
    let start = (p as usize).next_multiple_of(HUGE_PAGE);
    let end = (p as usize).saturating_add(size) & !(HUGE_PAGE - 1);
    if end > start {
        // SAFETY: `[start, end)` lies within the allocation just made, and MADV_HUGEPAGE is advice about how to back
        // those pages: it cannot change memory contents. A failure (huge pages disabled) leaves 4 KiB pages.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn large_buffers_work_as_usual() {
        // Allocation, zeroing, growth and release go through the system allocator unchanged.
        let mut v = vec![0u8; 9 << 20];
        assert!(v.iter().all(|&b| b == 0));
        v[5 << 20] = 7;
        v.resize(20 << 20, 1);
        assert_eq!((v[5 << 20], v[(20 << 20) - 1], v.len()), (7, 1, 20 << 20));
    }
}

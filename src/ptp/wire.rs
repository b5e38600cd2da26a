//! Bounds-checked big-endian reading and writing for the codec.
//!
//! Every read returns `None` past the end instead of indexing, so no input can make the
//! codec panic; the callers turn `None` into a [`PtpParseError`](super::PtpParseError) that
//! names the field.

/// A cursor over received bytes.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    /// Reads `bytes` from the start.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, position: 0 }
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.position)
    }

    /// Where the next read starts, from the start of the slice.
    pub(crate) fn position(&self) -> usize {
        self.position
    }

    /// The next `count` bytes, or `None` (consuming nothing) when fewer are left.
    pub(crate) fn take(&mut self, count: usize) -> Option<&'a [u8]> {
        let end = self.position.checked_add(count)?;
        let slice = self.bytes.get(self.position..end)?;
        self.position = end;
        Some(slice)
    }

    /// Everything not read yet.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let slice = self.bytes.get(self.position..).unwrap_or_default();
        self.position = self.bytes.len();
        slice
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    /// One octet.
    pub(crate) fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }

    /// One signed octet.
    pub(crate) fn i8(&mut self) -> Option<i8> {
        Some(i8::from_be_bytes(self.array()?))
    }

    /// A big-endian `u16`.
    pub(crate) fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.array()?))
    }

    /// A big-endian `i16`.
    pub(crate) fn i16(&mut self) -> Option<i16> {
        Some(i16::from_be_bytes(self.array()?))
    }

    /// A big-endian `u32`.
    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.array()?))
    }

    /// A big-endian `i32`.
    pub(crate) fn i32(&mut self) -> Option<i32> {
        Some(i32::from_be_bytes(self.array()?))
    }

    /// A big-endian `i64`.
    pub(crate) fn i64(&mut self) -> Option<i64> {
        Some(i64::from_be_bytes(self.array()?))
    }

    /// A big-endian 48-bit unsigned integer.
    pub(crate) fn u48(&mut self) -> Option<u64> {
        let high = u64::from(self.u16()?);
        let low = u64::from(self.u32()?);
        Some((high << 32) | low)
    }
}

/// Big-endian appends onto a `Vec<u8>`.
pub(crate) trait WriteExt {
    /// Appends a big-endian `u16`.
    fn put_u16(&mut self, value: u16);
    /// Appends a big-endian `u32`.
    fn put_u32(&mut self, value: u32);
    /// Appends the low 48 bits of `value`, big-endian.
    fn put_u48(&mut self, value: u64);
}

impl WriteExt for Vec<u8> {
    fn put_u16(&mut self, value: u16) {
        self.extend_from_slice(&value.to_be_bytes());
    }

    fn put_u32(&mut self, value: u32) {
        self.extend_from_slice(&value.to_be_bytes());
    }

    fn put_u48(&mut self, value: u64) {
        self.extend_from_slice(&value.to_be_bytes()[2..]);
    }
}

/// Writes `length` as a big-endian `u16` at `at`, saturating at `u16::MAX` (a PTP message
/// never comes near it: UDP payloads end at 65 507 bytes, Ethernet frames far earlier).
pub(crate) fn patch_u16(buffer: &mut [u8], at: usize, length: usize) {
    let value = u16::try_from(length).unwrap_or(u16::MAX).to_be_bytes();
    if let Some(slot) = buffer.get_mut(at..at.saturating_add(2)) {
        slot.copy_from_slice(&value);
    }
}

#[cfg(test)]
mod tests {
    use super::{Reader, WriteExt, patch_u16};

    #[test]
    fn reads_stop_at_the_end_without_consuming() {
        let mut reader = Reader::new(&[1, 2, 3]);
        assert_eq!(reader.u16(), Some(0x0102));
        assert_eq!(reader.u16(), None);
        assert_eq!(reader.remaining(), 1);
        assert_eq!(reader.u8(), Some(3));
        assert_eq!(reader.u8(), None);
        assert_eq!(reader.rest(), &[] as &[u8]);
    }

    #[test]
    fn u48_round_trips_the_low_48_bits() {
        let mut buffer = Vec::new();
        buffer.put_u48(0xdead_0123_4567_89ab);
        assert_eq!(buffer, [0x01, 0x23, 0x45, 0x67, 0x89, 0xab]);
        assert_eq!(Reader::new(&buffer).u48(), Some(0x0123_4567_89ab));
    }

    #[test]
    fn patch_saturates_and_ignores_out_of_range_offsets() {
        let mut buffer = vec![0u8; 4];
        patch_u16(&mut buffer, 1, 70_000);
        assert_eq!(buffer, [0, 0xff, 0xff, 0]);
        patch_u16(&mut buffer, 3, 1);
        assert_eq!(buffer, [0, 0xff, 0xff, 0]);
    }
}

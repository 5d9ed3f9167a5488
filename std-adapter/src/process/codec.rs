//! The frame codec: a value is a postcard payload behind a 4-byte little-endian
//! length. Transport-independent: frames are bytes, carried by the pool's pipes
//! today and by a message broker later. Every length is checked against a limit
//! before anything is allocated, so a broken or hostile peer costs at most one
//! frame limit of memory and gets an error, never a panic.

use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::FrameError;

/// Bytes of the length prefix.
pub const HEADER_LEN: usize = 4;

/// The default largest payload a pool accepts (16 MiB); set with
/// [`Builder::frame_limit`](super::Builder::frame_limit).
pub const DEFAULT_FRAME_LIMIT: usize = 16 << 20;

/// Encodes `value` as one frame (length prefix and payload): [`FrameError::Encode`]
/// if it does not serialize, [`FrameError::TooLarge`] if the payload is over `limit`.
///
/// ```
/// use spindle_std::process::codec;
/// let frame = codec::encode(&("square", 7u32), 1024).unwrap();
/// assert_eq!(codec::decode::<(String, u32)>(&frame, 1024).unwrap(), ("square".into(), 7));
/// ```
pub fn encode<T: Serialize + ?Sized>(value: &T, limit: usize) -> Result<Vec<u8>, FrameError> {
    let frame = postcard::to_extend(value, vec![0u8; HEADER_LEN])
        .map_err(|e| FrameError::Encode(e.to_string()))?;
    let len = frame.len() - HEADER_LEN;
    let declared = u32::try_from(len).ok().filter(|_| len <= limit);
    let Some(declared) = declared else {
        return Err(FrameError::TooLarge {
            len: len as u64,
            limit,
        });
    };
    let mut frame = frame;
    frame[..HEADER_LEN].copy_from_slice(&declared.to_le_bytes());
    Ok(frame)
}

/// A frame's payload and the bytes after the frame.
pub type Split<'a> = (&'a [u8], &'a [u8]);

/// Splits the first frame off `buf`: `Ok(Some((payload, rest)))`, `Ok(None)` if `buf`
/// holds only part of a frame so far, [`FrameError::TooLarge`] as soon as the header
/// declares more than `limit` (before the payload arrives).
///
/// ```
/// use spindle_std::process::codec;
/// let mut two = codec::encode(&1u8, 64).unwrap();
/// two.extend(codec::encode(&2u8, 64).unwrap());
/// let (p, rest) = codec::split_frame(&two, 64).unwrap().unwrap();
/// assert_eq!(codec::decode_payload::<u8>(p).unwrap(), 1);
/// assert_eq!(codec::split_frame(&rest[..2], 64).unwrap(), None);
/// ```
pub fn split_frame(buf: &[u8], limit: usize) -> Result<Option<Split<'_>>, FrameError> {
    let Some(header) = buf.get(..HEADER_LEN) else {
        return Ok(None);
    };
    let len = declared_len(header, limit)?;
    let body = &buf[HEADER_LEN..];
    if body.len() < len {
        return Ok(None);
    }
    Ok(Some(body.split_at(len)))
}

/// Decodes a buffer that must hold exactly one frame.
///
/// ```
/// use spindle_std::process::{codec, FrameError};
/// let frame = codec::encode(&42u64, 64).unwrap();
/// assert_eq!(codec::decode::<u64>(&frame, 64), Ok(42));
/// assert!(matches!(codec::decode::<u64>(&frame[..3], 64), Err(FrameError::Truncated { .. })));
/// ```
pub fn decode<T: DeserializeOwned>(frame: &[u8], limit: usize) -> Result<T, FrameError> {
    match split_frame(frame, limit)? {
        Some((payload, [])) => decode_payload(payload),
        Some((_, rest)) => Err(FrameError::Malformed(format!(
            "{} bytes after the frame",
            rest.len()
        ))),
        None => Err(FrameError::Truncated {
            needed: needed_len(frame),
            got: frame.len() as u64,
        }),
    }
}

/// Decodes a payload (a frame without its prefix); bytes left after the value are
/// an error.
///
/// ```
/// use spindle_std::process::codec;
/// assert!(codec::decode_payload::<bool>(&[7]).is_err());
/// ```
pub fn decode_payload<T: DeserializeOwned>(payload: &[u8]) -> Result<T, FrameError> {
    match postcard::take_from_bytes(payload) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(FrameError::Malformed(format!(
            "{} bytes after the value",
            rest.len()
        ))),
        Err(e) => Err(FrameError::Malformed(e.to_string())),
    }
}

/// Reads one frame's payload from a stream: [`FrameError::Closed`] at a clean end
/// before the frame, [`FrameError::Truncated`] at an end inside it,
/// [`FrameError::TooLarge`] (nothing allocated) for a length over `limit`.
///
/// ```
/// use spindle_std::process::codec;
/// let frame = codec::encode(&"hi", 64).unwrap();
/// let mut input = &frame[..];
/// let payload = codec::read_frame(&mut input, 64).unwrap();
/// assert_eq!(codec::decode_payload::<String>(&payload).unwrap(), "hi");
/// assert_eq!(codec::read_frame(&mut input, 64), Err(spindle_std::process::FrameError::Closed));
/// ```
pub fn read_frame<R: Read + ?Sized>(r: &mut R, limit: usize) -> Result<Vec<u8>, FrameError> {
    let mut header = [0u8; HEADER_LEN];
    let got = read_full(r, &mut header)?;
    if got == 0 {
        return Err(FrameError::Closed);
    }
    if got < HEADER_LEN {
        return Err(FrameError::Truncated {
            needed: HEADER_LEN as u64,
            got: got as u64,
        });
    }
    let len = declared_len(&header, limit)?;
    let mut payload = vec![0u8; len];
    let got = read_full(r, &mut payload)?;
    if got < len {
        return Err(FrameError::Truncated {
            needed: (HEADER_LEN + len) as u64,
            got: (HEADER_LEN + got) as u64,
        });
    }
    Ok(payload)
}

/// Writes a whole frame and flushes.
///
/// ```
/// use spindle_std::process::codec;
/// let mut out = Vec::new();
/// codec::write_frame(&mut out, &codec::encode(&5u8, 64).unwrap()).unwrap();
/// assert_eq!(out, [1, 0, 0, 0, 5]);
/// ```
pub fn write_frame<W: Write + ?Sized>(w: &mut W, frame: &[u8]) -> Result<(), FrameError> {
    w.write_all(frame)?;
    w.flush()?;
    Ok(())
}

fn declared_len(header: &[u8], limit: usize) -> Result<usize, FrameError> {
    let mut h = [0u8; HEADER_LEN];
    h.copy_from_slice(&header[..HEADER_LEN]);
    let len = u32::from_le_bytes(h);
    match usize::try_from(len) {
        Ok(n) if n <= limit => Ok(n),
        _ => Err(FrameError::TooLarge {
            len: u64::from(len),
            limit,
        }),
    }
}

fn needed_len(buf: &[u8]) -> u64 {
    match buf.get(..HEADER_LEN) {
        Some(h) => {
            let mut b = [0u8; HEADER_LEN];
            b.copy_from_slice(h);
            HEADER_LEN as u64 + u64::from(u32::from_le_bytes(b))
        }
        None => HEADER_LEN as u64,
    }
}

/// Reads until `buf` is full or the stream ends; how many bytes it read.
fn read_full<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> Result<usize, FrameError> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

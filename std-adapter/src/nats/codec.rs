//! How messages are encoded on the wire: the process pool's [`Codec`], chosen per
//! connection ([`NatsOptions::codec`](super::NatsOptions::codec)).
//! [`Codec::Postcard`] (the default) is compact and schema-by-type;
//! [`Codec::Json`] lets services written in other languages publish to and consume
//! from the same subjects, the distributed pool's tasks and results included (see
//! [`RemotePool`](super::RemotePool) for their JSON form).

pub use crate::process::Codec;

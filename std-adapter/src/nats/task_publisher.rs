//! Publishing many tasks into JetStream with their acknowledgements awaited
//! together: a [`RemotePool`](super::RemotePool)'s `submit_all` and `map` send a
//! window of tasks before waiting for the first ack, so a batch costs about one
//! broker round trip per window instead of one per task, while each task still
//! counts as submitted only once its own ack (the broker stored it) came back.
//!
//! A task whose publish or ack failed (the broker restarting, say) is sent again, a
//! few times: it carries a `Nats-Msg-Id`, so if the first copy was stored after all
//! the broker drops the second and acknowledges the first.

use std::collections::VecDeque;
use std::time::Duration;

use async_nats::jetstream::context::{PublishAckFuture, PublishError, PublishErrorKind};
use async_nats::jetstream::Context;
use async_nats::{HeaderMap, Subject};
use bytes::Bytes;

/// How many of one batch's tasks wait for their ack at once.
const WINDOW: usize = 256;

/// Sends of one task after the first, when its publish or its ack failed.
const RETRIES: u32 = 3;

/// A task ready to go: its headers (with its `Nats-Msg-Id`) and encoded message.
pub(crate) type Outgoing = (HeaderMap, Bytes);

struct InFlight {
    index: usize,
    task: Outgoing,
    attempt: u32,
    ack: PublishAckFuture,
}

/// Publishes `tasks` to `subject` in order, at most [`WINDOW`] unacknowledged at a
/// time; each entry of the answer is that task's stream sequence, or why the broker
/// did not store it.
///
/// The context must not wait for in-flight permits (`backpressure_on_inflight` off):
/// when the connection's ack limit is reached by other callers, this one settles
/// its own oldest ack (or, having none, pauses) and tries again, so it never waits
/// for a permit while holding permits of its own.
pub(crate) async fn publish_all(
    js: &Context,
    subject: Subject,
    tasks: Vec<Outgoing>,
) -> Vec<Result<u64, String>> {
    let mut out: Vec<Option<Result<u64, String>>> = vec![None; tasks.len()];
    let mut in_flight: VecDeque<InFlight> = VecDeque::new();
    for (index, task) in tasks.into_iter().enumerate() {
        if in_flight.len() == WINDOW {
            settle_oldest(js, &subject, &mut in_flight, &mut out).await;
        }
        let mut attempt = 0;
        // Bounded: about five seconds of others' acks before this task gives up.
        let mut pauses = 0u32;
        loop {
            match send(js, &subject, &task).await {
                Ok(ack) => {
                    in_flight.push_back(InFlight {
                        index,
                        task,
                        attempt,
                        ack,
                    });
                    break;
                }
                Err(e) if e.kind() == PublishErrorKind::MaxAckPending && pauses < 5_000 => {
                    if in_flight.is_empty() {
                        pauses += 1;
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    } else {
                        settle_oldest(js, &subject, &mut in_flight, &mut out).await;
                    }
                }
                Err(_) if attempt < RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(retry_pause(attempt)).await;
                }
                Err(e) => {
                    out[index] = Some(Err(e.to_string()));
                    break;
                }
            }
        }
    }
    while !in_flight.is_empty() {
        settle_oldest(js, &subject, &mut in_flight, &mut out).await;
    }
    out.into_iter()
        .map(|r| r.unwrap_or_else(|| Err("the task was not published".into())))
        .collect()
}

async fn send(
    js: &Context,
    subject: &Subject,
    task: &Outgoing,
) -> Result<PublishAckFuture, PublishError> {
    js.publish_with_headers(subject.clone(), task.0.clone(), task.1.clone())
        .await
}

/// The pause before the `attempt`th send of a task (a broker restart takes a while).
fn retry_pause(attempt: u32) -> Duration {
    Duration::from_millis(250 * u64::from(attempt))
}

/// Waits for the oldest ack; a failed one sends its task again (to the back of the
/// window) while it has retries left.
async fn settle_oldest(
    js: &Context,
    subject: &Subject,
    in_flight: &mut VecDeque<InFlight>,
    out: &mut [Option<Result<u64, String>>],
) {
    let Some(InFlight {
        index,
        task,
        mut attempt,
        ack,
    }) = in_flight.pop_front()
    else {
        return;
    };
    let mut result = ack.await.map(|a| a.sequence).map_err(|e| e.to_string());
    loop {
        match result {
            Ok(seq) => {
                out[index] = Some(Ok(seq));
                return;
            }
            Err(e) if attempt >= RETRIES => {
                out[index] = Some(Err(e));
                return;
            }
            Err(_) => {
                attempt += 1;
                tokio::time::sleep(retry_pause(attempt)).await;
                match send(js, subject, &task).await {
                    Ok(ack) => {
                        in_flight.push_back(InFlight {
                            index,
                            task,
                            attempt,
                            ack,
                        });
                        return;
                    }
                    // Not even sent: this attempt's failure; go round.
                    Err(e) => result = Err(e.to_string()),
                }
            }
        }
    }
}

/**
 * The queue page's "Queue actions" card: the enqueue form (JSON payload, optional delay), "Replay N dead letters"
 * (shown while there are any) and "Purge queue". Each is confirmed in a dialog and posted with the
 * page secret like every action; the server writes nothing on a refusal and the toast names the error code.
 */
import type { QueueMetrics, QueueRecord } from "../../types.js";
import { num } from "../format.js";
import { type Html, html } from "../html.js";
import { MAX_BULK_REPLAY, PURGE_EFFECT } from "../queue-actions.js";
import { actionForm } from "./layout.js";

/** The card: the enqueue form, then the bulk replay and purge buttons. */
export function queueActions(queue: QueueRecord, m: QueueMetrics): Html {
  const dead = m.deadLetteredMessages;
  return html`<div class="card" data-testid="queue-actions">
    <div class="toolbar">
      <h2>Queue actions</h2>
      <div class="actions">
        ${
          dead === 0
            ? ""
            : actionForm({
                action: `/actions/queues/${queue.id}/dead-letters/replay`,
                label: `Replay ${num(dead)} dead letter${dead === 1 ? "" : "s"}`,
                title: `Replay the dead letters of ${queue.queueName}?`,
                confirm:
                  `They go back on ${queue.queueName} with their read count reset and are delivered again, up to ` +
                  `${num(MAX_BULK_REPLAY)} per click. A dead letter whose dedup key an active message holds stays ` +
                  "dead. A replayed workflow trigger does not revive its failed run.",
              })
        }
        ${actionForm({
          action: `/actions/queues/${queue.id}/purge`,
          label: "Purge queue",
          title: `Purge ${queue.queueName}?`,
          confirm: PURGE_EFFECT,
          danger: true,
        })}
      </div>
    </div>
    <form class="send-message enqueue" method="post" action="/actions/queues/${queue.id}/enqueue" data-keep-input="1"
      data-title="Enqueue a message on ${queue.queueName}?"
      data-confirm="The message is added to ${queue.queueName} and delivered to its consumers (after the delay, if one is given)."
      data-verb="Enqueue">
      <label>Payload (JSON)<textarea name="payload" rows="3" required spellcheck="false">{}</textarea></label>
      <label>Delay, seconds<input type="number" name="delay" min="0" step="any" placeholder="0: visible now"
        autocomplete="off"></label>
      <div><button type="submit" class="primary" data-testid="enqueue">Enqueue</button></div>
    </form>
  </div>`;
}

import type { Config } from '../../core/config.js';

/** What a channel is handed: one notification, already rendered in its reader's language. */
export interface OutgoingNotification {
  id: string;
  kind: string;
  caseId: string | null;
  messageKey: string;
  /** The text in the recipient's language. */
  text: string;
}

export interface Recipient {
  id: string;
  username: string;
  locale: 'zh-CN' | 'en';
}

/**
 * A way a notification leaves Linli besides the in-app inbox: SMS, a WeChat template message …
 * `deliver` says what really happened: 'delivered' only when the provider accepted the message,
 * 'failed' otherwise (a thrown error is recorded as 'failed' with its message). The log channel
 * answers 'logged': it sends nothing to anyone.
 */
export interface NotificationChannel {
  readonly name: string;
  deliver(n: OutgoingNotification, user: Recipient): Promise<DeliveryStatus>;
}

export type DeliveryStatus = 'delivered' | 'failed' | 'logged';

/** The default channel: one structured line per notification on the server log. */
export class LogChannel implements NotificationChannel {
  readonly name = 'log';
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n')) {}

  async deliver(n: OutgoingNotification, user: Recipient): Promise<DeliveryStatus> {
    this.write(JSON.stringify({
      level: 'info', time: new Date().toISOString(), msg: 'notification', channel: this.name,
      notificationId: n.id, userId: user.id, username: user.username, kind: n.kind, caseId: n.caseId, key: n.messageKey,
    }));
    return 'logged';
  }
}

/** The channels named by LINLI_NOTIFICATION_CHANNELS (validated when the config is loaded). */
export function channelsFor(config: Config): NotificationChannel[] {
  return config.notificationChannels.map((name) => {
    switch (name) {
      case 'log': return new LogChannel();
      default: throw new Error(`Unknown notification channel ${name}`);
    }
  });
}

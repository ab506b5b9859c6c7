/**
 * The README's prelude: the things of an application's own that its
 * snippets assume (the README says so above its first snippet). The README
 * check (test/readme.spec.ts) puts every name exported here in scope of
 * every ```ts block, as if the snippet had imported it from the app.
 *
 * Only application-specific names belong here, never a name of this library
 * or of Nest: a snippet must import those itself, or it does not compile as
 * a reader pastes it.
 */

/** The application's mail provider client, injected into `MailTasks`. */
export declare class Mailer {
  /** Sends a mail and resolves to the provider's message id. */
  send(to: string, subject: string, signal?: AbortSignal): Promise<string>;
}

/** The body of `POST /users`. A class, as Nest DTOs are, so it can carry validation decorators. */
export declare class SignUpDto {
  email: string;
  name: string;
}

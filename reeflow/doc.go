// Package reeflow is the Go SDK for the Reeflow API: it manages an organization's database
// connections and mints session tokens for embedded dashboards.
//
// # First call
//
// Create an API key in the Reeflow Console and put it in the environment, never in code:
//
//	export REEFLOW_API_KEY_ID=key_...
//	export REEFLOW_API_KEY_SECRET=...
//
// Then:
//
//	client, err := reeflow.NewClient() // reads the two variables
//	if err != nil {
//		return err
//	}
//	conns, err := client.Connections.List(ctx)
//
// A Client is safe for concurrent use; create one and share it. Its services map one to one to
// the API: [ConnectionsService] (/connections), [SessionsService] (/sessions) and
// [APIKeysService] (/api-keys).
//
// # Options
//
// One [Option] type configures the client and any single call: a call's option overrides the
// client's for that call only.
//
//	client, err := reeflow.NewClient(reeflow.WithMaxRetries(4))
//	conns, err := client.Connections.List(ctx, reeflow.WithMaxRetries(0), reeflow.WithResponseInto(&resp))
//
// # Embedding a dashboard
//
// The page that embeds a dashboard fetches a session token for its logged-in user from an
// endpoint of your backend. Package [github.com/reeflow/reeflow-go/reeflow/embedding] serves
// that endpoint and caches each user's token across page views; [SessionsService.Create] mints
// one token directly, carrying the [Attributes] that Reeflow's row-level security reads.
//
// # Authentication
//
// [WithBasicAuth] sends "Authorization: Basic base64(key_id:secret)". [WithHMACAuth] signs every
// request instead, so the secret never travels; Reeflow recommends it for production.
// [WithCredentialsProvider] fetches the key for every request, so keys rotate without a
// restart. [BasicAuth] and [HMACAuth] are the same authentication as request editors, for
// requests built by hand.
//
// # Errors
//
// Every failed response is an [*APIError] (wrapped as [*BadRequestError],
// [*AuthenticationError] or [*PermissionDeniedError] for 400, 401 and 403) that keeps its status
// code whatever the body. Match categories and Reeflow's documented authentication errors with
// errors.Is:
//
//	if errors.Is(err, reeflow.ErrAPIKeyDisabled) { ... }
//
// # Reliability and safety
//
// Idempotent requests are retried on connection errors, 429, 502, 503 and 504 with exponential
// backoff, honouring Retry-After; creating a connection is retried only when the request never
// left. Only HTTPS base URLs are accepted (plain HTTP on loopback), redirects to another origin
// are refused, and secrets, passwords and tokens never appear in errors, logs or printed values.
//
// To test code that uses this package, run it against the fake server of package
// [github.com/reeflow/reeflow-go/reeflow/reeflowtest].
package reeflow

// Package embedding serves embed session tokens to the pages of your application that embed a
// Reeflow dashboard. It is built on package reeflow's public API only.
//
// The page fetches a token for its logged-in user from an endpoint of your backend: [NewHandler]
// returns that endpoint. Give it a [Cache]'s Get, which reuses each user's token across page
// views and makes one call to Reeflow for concurrent ones, and a resolve function that says who
// is logged in and which reeflow.Attributes Reeflow's row-level security should see:
//
//	cache, err := embedding.NewCache(client.Sessions)
//	if err != nil {
//		return err
//	}
//	handler, err := embedding.NewHandler(cache.Get, resolve)
//	if err != nil {
//		return err
//	}
//	mux.Handle("/reeflow/session", http.NewCrossOriginProtection().Handler(handler))
//
// A bad option or argument is an error from NewCache or NewHandler, so a misconfiguration fails
// at start-up rather than on every page view.
package embedding

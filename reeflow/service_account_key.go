package reeflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// BigQueryConfigFromKey returns the config of a BigQuery connection that authenticates with the
// service-account key file keyJSON (the JSON file Google Cloud downloads) and queries the
// datasets in location, a multi-region ("US", "EU") or a region ("europe-west1"). The project ID
// is the key's "project_id", as Reeflow's Console fills it in; set ProjectID on the result to
// run (and bill) the queries in another project.
//
// The key is checked before anything is sent: it must be a JSON object whose "type" is
// "service_account", with a "client_email" and a PEM "private_key". The error names what is
// wrong, never any of the key's bytes. keyJSON is copied: the caller may reuse it.
func BigQueryConfigFromKey(keyJSON []byte, location string) (BigQueryConfig, error) {
	key, err := parseServiceAccountKey(keyJSON)
	if err != nil {
		return BigQueryConfig{}, fmt.Errorf("reeflow: %w", err)
	}
	switch {
	case key.ProjectID == "":
		return BigQueryConfig{}, errors.New(`reeflow: BigQuery service-account key has no "project_id"`)
	case strings.TrimSpace(location) == "":
		return BigQueryConfig{}, errors.New("reeflow: BigQuery location is empty: give the multi-region (US, EU) or the region your datasets live in")
	}
	if err := checkOptionalText("BigQuery location", location); err != nil {
		return BigQueryConfig{}, fmt.Errorf("reeflow: %w", err)
	}
	return BigQueryConfig{ServiceAccountKey: string(keyJSON), ProjectID: key.ProjectID, Location: location}, nil
}

// serviceAccountKey holds the fields of a service-account key file that are checked.
type serviceAccountKey struct {
	Type        string `json:"type"`
	ProjectID   string `json:"project_id"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
}

// parseServiceAccountKey reads and checks a service-account key file. Its errors never quote
// the key: encoding/json's own would (a syntax error names the offending character).
func parseServiceAccountKey(keyJSON []byte) (serviceAccountKey, error) {
	const prefix = "BigQuery service-account key "
	var key serviceAccountKey
	trimmed := bytes.TrimSpace(keyJSON)
	switch {
	case len(trimmed) == 0:
		return key, errors.New(prefix + "is empty")
	case trimmed[0] != '{':
		return key, errors.New(prefix + "is not a JSON object: pass the key file's contents, not its path")
	case !utf8.Valid(keyJSON):
		return key, errors.New(prefix + "is not valid UTF-8")
	}
	if err := json.Unmarshal(keyJSON, &key); err != nil {
		var syntaxErr *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntaxErr):
			return key, fmt.Errorf(prefix+"is not valid JSON (syntax error at byte %d)", syntaxErr.Offset)
		case errors.As(err, &typeErr):
			return key, fmt.Errorf(prefix+"field %q is not a string", typeErr.Field)
		}
		return key, errors.New(prefix + "is not valid JSON")
	}
	switch {
	case key.Type != "service_account":
		return key, errors.New(prefix + `is not a service account's key: its "type" is not "service_account" (download a JSON key of a service account, not an OAuth client or user credential)`)
	case key.ClientEmail == "":
		return key, errors.New(prefix + `has no "client_email"`)
	case key.PrivateKey == "":
		return key, errors.New(prefix + `has no "private_key"`)
	case !strings.HasPrefix(strings.TrimSpace(key.PrivateKey), "-----BEGIN "):
		return key, errors.New(prefix + `"private_key" is not a PEM private key`)
	}
	return key, nil
}

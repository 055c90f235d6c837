package reeflowtest

import (
	"encoding/json"
	"net/http"
)

// standardError is Reeflow's documented error body (StandardErrorResponseDto): message is a
// string, or an array of strings for validation errors.
type standardError struct {
	Message    any    `json:"message"`
	Error      string `json:"error"`
	StatusCode int    `json:"statusCode"`
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, standardError{Message: message, Error: http.StatusText(status), StatusCode: status})
}

func writeValidationError(w http.ResponseWriter, messages []string) {
	writeJSON(w, http.StatusBadRequest, standardError{Message: messages, Error: http.StatusText(http.StatusBadRequest), StatusCode: http.StatusBadRequest})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

package reeflowtest

import (
	"context"
	"encoding/json"

	"github.com/reeflow/reeflow-go/internal/fakeapi"
)

// GetOpenAPIDocument serves the fake's copy of openapi.yaml, as Reeflow serves its own document.
func (a *api) GetOpenAPIDocument(context.Context, fakeapi.GetOpenAPIDocumentRequestObject) (fakeapi.GetOpenAPIDocumentResponseObject, error) {
	raw, err := fakeapi.GetSpecJSON()
	if err != nil {
		return nil, err
	}
	var doc fakeapi.GetOpenAPIDocument200JSONResponse
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

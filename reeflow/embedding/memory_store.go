package embedding

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// memoryStore is the default Store: the tokens of one process, at most max of them, the least
// recently used evicted first. It grants every lease, since the Cache already makes one call per
// key within a process.
type memoryStore struct {
	now func() time.Time
	max int

	mu        sync.Mutex
	entries   map[string]*list.Element // values are *memoryEntry
	lru       list.List                // most recently used first
	nextSweep time.Time
}

type memoryEntry struct {
	key     string
	value   []byte
	expires time.Time
}

// sweepInterval spaces the scans that drop expired values.
const sweepInterval = time.Minute

func newMemoryStore(maxEntries int) *memoryStore {
	return &memoryStore{now: time.Now, max: maxEntries, entries: map[string]*list.Element{}}
}

// Get returns the stored value itself, not a copy: the Cache only reads it.
func (m *memoryStore) Get(_ context.Context, key string) ([]byte, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.entries[key]
	if !ok {
		return nil, 0, nil
	}
	e := el.Value.(*memoryEntry)
	ttl := e.expires.Sub(m.now())
	if ttl <= 0 {
		m.remove(el)
		return nil, 0, nil
	}
	m.lru.MoveToFront(el)
	return e.value, ttl, nil
}

func (m *memoryStore) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	e := &memoryEntry{key: key, value: value, expires: now.Add(ttl)}
	if el, ok := m.entries[key]; ok {
		el.Value = e
		m.lru.MoveToFront(el)
	} else {
		m.entries[key] = m.lru.PushFront(e)
	}
	if !now.Before(m.nextSweep) {
		m.sweep(now)
	}
	for m.lru.Len() > m.max {
		m.remove(m.lru.Back())
	}
	return nil
}

func (m *memoryStore) Lease(context.Context, string, time.Duration) (func(), bool, error) {
	return func() {}, true, nil
}

// sweep drops every expired value: none of them will be handed out again.
func (m *memoryStore) sweep(now time.Time) {
	for el := m.lru.Front(); el != nil; {
		next := el.Next()
		if !now.Before(el.Value.(*memoryEntry).expires) {
			m.remove(el)
		}
		el = next
	}
	m.nextSweep = now.Add(sweepInterval)
}

func (m *memoryStore) remove(el *list.Element) {
	delete(m.entries, el.Value.(*memoryEntry).key)
	m.lru.Remove(el)
}

func (m *memoryStore) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Len()
}

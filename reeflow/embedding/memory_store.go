package embedding

import (
	"container/list"
	"sync"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
)

// memoryStore is a Cache's first tier, always there: the tokens this process hands out, at most
// max of them, the least recently used evicted first. Each is kept for a duration learned from
// Reeflow (or from the shared store's countdown) and counted on the local clock, so the local
// clock's offset from Reeflow's never matters, only its rate.
type memoryStore struct {
	now func() time.Time
	max int

	mu        sync.Mutex
	entries   map[cacheKey]*list.Element // values are *memoryEntry
	lru       list.List                  // most recently used first
	nextSweep time.Time
}

type memoryEntry struct {
	key     cacheKey
	session reeflow.Session
	expires time.Time // local time from which the token is no longer handed out
}

// sweepInterval spaces the scans that drop expired tokens.
const sweepInterval = time.Minute

func newMemoryStore(maxEntries int) *memoryStore {
	return &memoryStore{now: time.Now, max: maxEntries, entries: map[cacheKey]*list.Element{}}
}

// get returns key's token while it may still be handed out.
func (m *memoryStore) get(key cacheKey) (reeflow.Session, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.entries[key]
	if !ok {
		return reeflow.Session{}, false
	}
	e := el.Value.(*memoryEntry)
	if !m.now().Before(e.expires) {
		m.remove(el)
		return reeflow.Session{}, false
	}
	m.lru.MoveToFront(el)
	return e.session, true
}

// set keeps s under key for ttl, replacing any token there. A ttl that is not positive keeps
// nothing.
func (m *memoryStore) set(key cacheKey, s reeflow.Session, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	e := &memoryEntry{key: key, session: s, expires: now.Add(ttl)}
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
}

// sweep drops every expired token: none of them will be handed out again.
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

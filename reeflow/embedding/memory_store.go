package embedding

import (
	"container/list"
	"sync"
	"time"
)

// memoryStore is where a Cache keeps its tokens by default: those of one process, at most max of
// them, the least recently used evicted first. It is not a Store: the Cache reads it directly,
// keyed by digest and holding decoded entries, since a call that cannot block needs neither a
// time limit nor an encoding, and a hit is on the path of every page view. It needs no lease
// either: the Cache already makes one call per key within a process.
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
	entry   cacheEntry
	expires time.Time // by the local clock
}

// sweepInterval spaces the scans that drop expired values.
const sweepInterval = time.Minute

func newMemoryStore(maxEntries int) *memoryStore {
	return &memoryStore{now: time.Now, max: maxEntries, entries: map[cacheKey]*list.Element{}}
}

// get returns the entry stored under key, if there is one that has not expired.
func (m *memoryStore) get(key cacheKey) (cacheEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.entries[key]
	if !ok {
		return cacheEntry{}, false
	}
	e := el.Value.(*memoryEntry)
	if !m.now().Before(e.expires) {
		m.remove(el)
		return cacheEntry{}, false
	}
	m.lru.MoveToFront(el)
	return e.entry, true
}

// set stores entry under key for ttl, replacing any entry there.
func (m *memoryStore) set(key cacheKey, entry cacheEntry, ttl time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	e := &memoryEntry{key: key, entry: entry, expires: now.Add(ttl)}
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

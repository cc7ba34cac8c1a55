import initSqlJs from 'sql.js';
import { existsSync } from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';
import { loadStateDatabase } from './state-file.js';

/**
 * Records a run as interrupted in the state file on disk, for a process that is about to exit
 * (Ctrl-C) without waiting for the run: its state in memory is dropped, so the file keeps its last
 * checkpoint (which a crash would keep as well) and gains only the run's final status. The
 * returned function is synchronous, so nothing of the run can checkpoint between the read and
 * the write; call it only while holding the state's lock and exit right after.
 */
export async function interruptRecorder(path: string): Promise<(runId: string, summary: string) => boolean> {
  const SQL = await initSqlJs();
  return (runId, summary) => {
    if (!existsSync(path)) return false;
    const db = loadStateDatabase(SQL, path);
    try {
      db.run(
        "UPDATE runs SET status = 'interrupted', finished_at = ?, summary = ? WHERE id = ? AND status = 'running'",
        [new Date().toISOString(), summary, runId],
      );
      if (!db.getRowsModified()) return false;
      writeFileAtomic(path, db.export());
      return true;
    } finally {
      db.close();
    }
  };
}

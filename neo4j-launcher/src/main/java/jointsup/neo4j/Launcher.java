package jointsup.neo4j;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Runs Neo4j Community embedded with only a Bolt connector on 127.0.0.1:port.
 *
 * <p>Usage: {@code Launcher <dataDir> <port>}. Prints {@code JOINTSUP-NEO4J READY bolt://127.0.0.1:<port>}
 * once the default database accepts work; exits on SIGTERM or when stdin reaches EOF, so the
 * server never outlives the Python process that spawned it.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Launcher <dataDir> <port>");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        Path logs = home.resolve("logs");
        Files.createDirectories(logs);
        // The embedded builder discards the user log (neo4j.log) unless given a provider; keep it
        // on disk so the Python side can show its tail when startup fails.
        OutputStream userLog = new FileOutputStream(logs.resolve("neo4j.log").toFile(), true);
        SocketAddress bolt = new SocketAddress("127.0.0.1", port);
        // Set by neo4j_server.py from its page_cache argument or $JOINTSUP_NEO4J_PAGECACHE.
        long pageCacheMib = Long.getLong("jointsup.neo4j.pagecache.mib", 256L);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setUserLogProvider(new Log4jLogProvider(userLog))
                .setConfig(GraphDatabaseSettings.logs_directory, logs)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, bolt)
                // Routing tables (neo4j://) advertise this; the default would be localhost:7687.
                .setConfig(BoltConnector.advertised_address, bolt)
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMib))
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Netty's default 5 s quiet period per Bolt event loop makes every stop take ~10 s;
                // test servers restart often and have no clients worth waiting for at that point.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .build();

        // SIGTERM, System.exit and normal JVM exit all funnel through here.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            try {
                userLog.close();
            } catch (IOException ignored) {
                // Nothing useful to do while the JVM is going down.
            }
        }, "jointsup-neo4j-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(TimeUnit.MINUTES.toMillis(5))) {
            System.err.println("JOINTSUP-NEO4J default database did not become available");
            System.exit(1);
        }

        System.out.println("JOINTSUP-NEO4J READY bolt://127.0.0.1:" + port);
        System.out.flush();
        // The main thread doubles as the stdin watcher, which also keeps the JVM alive.
        exitOnStdinEof();
    }

    /** Blocks until the parent closes our stdin (or dies), then exits via the shutdown hook. */
    private static void exitOnStdinEof() {
        InputStream in = System.in;
        byte[] buf = new byte[256];
        try {
            while (in.read(buf) >= 0) {
                // Input is ignored; only EOF matters.
            }
        } catch (IOException ignored) {
            // A broken pipe means the parent is gone, same as EOF.
        }
        System.exit(0);
    }
}

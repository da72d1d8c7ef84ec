/*
 * Arabic analysis for the Elasticsearch test node (Rasid).
 *
 * Why this exists: the only Elasticsearch server published to Maven Central as a runnable
 * distribution is the `integ-test-zip`, which ships without the `analysis-common` module (the
 * home of the built-in `arabic` analyzer, `arabic_normalization`, `mapping`, `pattern_replace`
 * and the `whitespace` tokenizer). This plugin registers those few components under the same
 * names, each a thin wrapper over the Lucene classes that analysis-common itself wraps, so
 * index mappings written for a full Elasticsearch distribution work unchanged on the test node.
 *
 * The same zip also lacks the `rest-root` module, so `GET /` (what clients call `info()` and
 * `ping()`) answers 405; a small root handler below restores it.
 *
 * It is compiled by tools/engines.py against the distribution's own lib/ jars.
 */
package rasid.analysis;

import java.io.Reader;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.ar.ArabicNormalizationFilter;
import org.apache.lucene.analysis.ar.ArabicStemFilter;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.core.DecimalDigitFilter;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.pattern.PatternReplaceCharFilter;
import org.elasticsearch.Build;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.analysis.AbstractCharFilterFactory;
import org.elasticsearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingCharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;

public class RasidArabicAnalysisPlugin extends Plugin implements AnalysisPlugin, ActionPlugin {

    @Override
    public Collection<RestHandler> getRestHandlers(
        Settings settings,
        NamedWriteableRegistry namedWriteableRegistry,
        RestController restController,
        ClusterSettings clusterSettings,
        IndexScopedSettings indexScopedSettings,
        SettingsFilter settingsFilter,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<DiscoveryNodes> nodesInCluster,
        Predicate<NodeFeature> clusterSupportsFeature
    ) {
        return List.of(new RootHandler(settings.get("node.name", ""), settings.get("cluster.name", "")));
    }

    /** `GET /` and `HEAD /`: the node banner clients read for info() and ping(). */
    static final class RootHandler extends BaseRestHandler {
        private final String nodeName;
        private final String clusterName;

        RootHandler(String nodeName, String clusterName) {
            this.nodeName = nodeName;
            this.clusterName = clusterName;
        }

        @Override
        public String getName() {
            return "rasid_root_action";
        }

        @Override
        public List<Route> routes() {
            return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
        }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
            return channel -> {
                XContentBuilder b = channel.newBuilder();
                Build build = Build.current();
                b.startObject();
                b.field("name", nodeName);
                b.field("cluster_name", clusterName);
                b.startObject("version");
                b.field("number", build.version());
                b.field("build_flavor", build.flavor());
                b.field("build_type", "zip");
                b.field("build_hash", build.hash());
                b.field("build_date", build.date());
                b.field("build_snapshot", false);
                b.field("lucene_version", IndexVersion.current().luceneVersion().toString());
                b.field("minimum_wire_compatibility_version", build.minWireCompatVersion());
                b.field("minimum_index_compatibility_version", build.minIndexCompatVersion());
                b.endObject();
                b.field("tagline", "You Know, for Search");
                b.endObject();
                channel.sendResponse(new RestResponse(RestStatus.OK, b));
            };
        }
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends org.apache.lucene.analysis.Analyzer>>> getAnalyzers() {
        return Map.of("arabic", ArabicProvider::new);
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "arabic_normalization", (is, env, name, s) -> new SimpleFilter(name, s, "norm"),
            "arabic_stem", (is, env, name, s) -> new SimpleFilter(name, s, "stem"),
            "decimal_digit", (is, env, name, s) -> new SimpleFilter(name, s, "digit")
        );
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        // Pre-tokenised text (the *_norm fields Rasid writes from Python) splits on spaces only.
        return Map.of("whitespace", (is, env, name, s) -> TokenizerFactory.newFactory(name, WhitespaceTokenizer::new));
    }

    @Override
    public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
        return Map.of(
            "mapping", AnalysisPlugin.requiresAnalysisSettings((is, env, name, s) -> new MappingFactory(name, s)),
            "pattern_replace", AnalysisPlugin.requiresAnalysisSettings((is, env, name, s) -> new PatternFactory(name, s))
        );
    }

    /** The `arabic` language analyzer: Lucene's ArabicAnalyzer, with the usual two settings. */
    static final class ArabicProvider extends AbstractIndexAnalyzerProvider<ArabicAnalyzer> {
        private final ArabicAnalyzer analyzer;

        ArabicProvider(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(name, settings);
            analyzer = new ArabicAnalyzer(
                Analysis.parseStopWords(env, settings, ArabicAnalyzer.getDefaultStopSet()),
                Analysis.parseStemExclusion(settings, CharArraySet.EMPTY_SET)
            );
        }

        @Override
        public ArabicAnalyzer get() {
            return analyzer;
        }
    }

    static final class SimpleFilter extends AbstractTokenFilterFactory implements NormalizingTokenFilterFactory {
        private final String kind;

        SimpleFilter(String name, Settings settings, String kind) {
            super(name, settings);
            this.kind = kind;
        }

        @Override
        public TokenStream create(TokenStream in) {
            return switch (kind) {
                case "norm" -> new ArabicNormalizationFilter(in);
                case "stem" -> new ArabicStemFilter(in);
                default -> new DecimalDigitFilter(in);
            };
        }

        @Override
        public TokenStream normalize(TokenStream in) {
            // Stemming is not a normalisation: keyword normalizers only get the folding filters.
            return kind.equals("stem") ? in : create(in);
        }
    }

    /** `mapping` char filter: rules "a => b", the right side may be empty (a deletion). */
    static final class MappingFactory extends AbstractCharFilterFactory implements NormalizingCharFilterFactory {
        private final NormalizeCharMap map;

        MappingFactory(String name, Settings settings) {
            super(name);
            List<String> rules = settings.getAsList("mappings");
            if (rules.isEmpty()) {
                throw new IllegalArgumentException("mapping requires `mappings` to be configured");
            }
            NormalizeCharMap.Builder builder = new NormalizeCharMap.Builder();
            for (String rule : rules) {
                int arrow = rule.indexOf("=>");
                if (arrow < 0) {
                    throw new IllegalArgumentException("Invalid mapping rule: [" + rule + "]");
                }
                String from = unescape(rule.substring(0, arrow).strip());
                String to = unescape(rule.substring(arrow + 2).strip());
                if (from.isEmpty()) {
                    throw new IllegalArgumentException("Invalid mapping rule: [" + rule + "]");
                }
                builder.add(from, to);
            }
            map = builder.build();
        }

        @Override
        public Reader create(Reader reader) {
            return new MappingCharFilter(map, reader);
        }

        /** The escapes analysis-common accepts in rules: \\uXXXX, \\n, \\t, \\\\ and friends. */
        static String unescape(String s) {
            StringBuilder out = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c != '\\' || i + 1 >= s.length()) {
                    out.append(c);
                    continue;
                }
                char n = s.charAt(++i);
                switch (n) {
                    case 'u' -> {
                        out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    default -> out.append(n);
                }
            }
            return out.toString();
        }
    }

    /** `pattern_replace` char filter (Java regex, as in analysis-common). */
    static final class PatternFactory extends AbstractCharFilterFactory implements NormalizingCharFilterFactory {
        private final Pattern pattern;
        private final String replacement;

        PatternFactory(String name, Settings settings) {
            super(name);
            String p = settings.get("pattern");
            if (p == null) {
                throw new IllegalArgumentException("pattern is missing for [" + name + "] char filter of type 'pattern_replace'");
            }
            pattern = Pattern.compile(p);
            replacement = settings.get("replacement", "");
        }

        @Override
        public Reader create(Reader reader) {
            return new PatternReplaceCharFilter(pattern, replacement, reader);
        }
    }
}
